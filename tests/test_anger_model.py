"""The trained scorers (anger; urgency and complaint type): loading the shipped artifacts,
refusing mismatched ones, and the scorer's behaviour on awkward input (empty, very long,
emoji-only, Traditional, mixed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.models import support_model
from monitor.models.anger_model import FILENAME, META_FILENAME, SHORT_CHARS, AngerModel, load_default
from monitor.models.artifact import DEFAULT_DIR
from monitor.models.support_model import SupportModel
from monitor.offline.estimators import AngerEstimator
from monitor.offline.evaluate import load_own
from monitor.records.errors import ModelVersionError, UsageError
from monitor.records.events import Event
from monitor.records.lexicon import COMPLAINT_TYPES
from monitor.steps.model_scoring import MODEL_MIN, ModelScorer
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer


@pytest.fixture(scope="module")
def shipped() -> AngerModel:
    model = load_default(None)
    assert model is not None, "models/anger.npz is part of the repository"
    return model


@pytest.fixture(scope="module")
def support() -> SupportModel:
    model = support_model.load_default(None)
    assert model is not None, "models/support.npz is part of the repository"
    return model


@pytest.fixture(scope="module")
def scorer(shipped: AngerModel, support: SupportModel) -> ModelScorer:
    return ModelScorer(RuleScorer(builtin().lexicon), shipped, support)


def customer(text: str) -> Event:
    return Event("c", "m", 0, "customer", text, norm_text=normalise(text))


def test_shipped_model_loads_with_its_metadata(shipped: AngerModel) -> None:
    meta = shipped.metadata
    assert meta["format"] == "support-monitor/anger/3"
    assert meta["combiner"]["features"] == ["model_logit", "rules_evidence", "short", "short_x_model_logit"]
    assert {"scikit-learn", "numpy", "trained", "sha256", "data", "held_out_roc_auc_ap"} <= set(meta)
    angry, calm = shipped.predict_proba([normalise("你们就是骗子，气死我了"), normalise("请问几点发货")])
    assert angry > 0.5 > calm


def copy_models(tmp_path: Path) -> Path:
    for name in (FILENAME, META_FILENAME):
        shutil.copy(DEFAULT_DIR / name, tmp_path / name)
    return tmp_path


def edit_meta(directory: Path, **changes: object) -> None:
    path = directory / META_FILENAME
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(changes)
    path.write_text(json.dumps(meta), encoding="utf-8")


def test_arrays_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    # Plain arrays need no scikit-learn version match; their shapes must fit the format.
    directory = copy_models(tmp_path)
    edit_meta(directory, hashing={"n_features": 2**16, "ngram_max": 3})
    with pytest.raises(ModelVersionError, match="wrong shape"):
        AngerModel.load(directory)


def test_model_of_another_format_is_refused(tmp_path: Path) -> None:
    directory = copy_models(tmp_path)
    edit_meta(directory, format="support-monitor/anger/0")
    with pytest.raises(ModelVersionError, match="retrain"):
        AngerModel.load(directory)


def test_artifact_changed_behind_its_metadata_is_refused(tmp_path: Path) -> None:
    directory = copy_models(tmp_path)
    with (directory / FILENAME).open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelVersionError, match="checksum"):
        AngerModel.load(directory)


def test_missing_model_in_a_given_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read anger model"):
        load_default(str(tmp_path))


def test_cli_names_the_mismatch_in_one_line(tmp_path: Path) -> None:
    directory = copy_models(tmp_path)
    edit_meta(directory, format="support-monitor/anger/1")
    proc = subprocess.run([sys.executable, "-m", "monitor.cli", "score", "--models-dir", str(directory),
                           "太过分了"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "anger/1" in proc.stderr


def test_fit_save_load_round_trip_without_pickle(tmp_path: Path) -> None:
    texts = ["气死了", "太过分了！！！", "你们就是骗子", "请问几点", "谢谢", "好的收到"]
    model = AngerEstimator(n_features=2**10).fit([normalise(t) for t in texts], [1, 1, 1, 0, 0, 0]).to_model()
    model.save(tmp_path, {"data": "test"})
    loaded = AngerModel.load(tmp_path)
    assert loaded.predict_proba(texts) == pytest.approx(model.predict_proba(texts))
    assert loaded.metadata["data"] == "test"
    assert (tmp_path / FILENAME).read_bytes()[:2] == b"PK"  # npz: a zip of .npy arrays, no pickle


def test_model_lifts_anger_the_rules_cannot_see(scorer: ModelScorer) -> None:
    text = "等了三天一句话都没有，这就是你们的服务？"  # no listed anger word
    [s] = scorer.score_batch([customer(text)])
    assert s.anger > scorer.rules.score_text(normalise(text)).anger
    assert "anger_model" in s.codes()


def test_rules_stay_the_floor(scorer: ModelScorer) -> None:
    text = "再不退款我就去法院起诉你们"
    [s] = scorer.score_batch([customer(text)])
    assert s.anger >= scorer.rules.score_text(normalise(text)).anger
    assert "legal_threat" in s.codes()


def test_awkward_messages(scorer: ModelScorer) -> None:
    texts = {
        "empty": "",
        "blank": "   ",
        "very long": "我的订单还没到，" * 5000,
        "emoji only": "😡😡😡",
        "calm emoji": "🙂🙂",
        "traditional": "你們太過分了！！！東西是壞的",
        "simplified": "你们太过分了！！！东西是坏的",
        "mixed": "This is unacceptable!!! 我要找你们manager",
    }
    scores = dict(zip(texts, scorer.score_batch([customer(t) for t in texts.values()]), strict=True))
    for name, s in scores.items():
        assert 0.0 <= s.anger <= 1.0 and 0.0 <= s.urgency <= 1.0, name
    assert scores["empty"].anger == scores["blank"].anger == 0.0  # nothing to judge
    assert scores["traditional"] == scores["simplified"]
    assert scores["traditional"].anger >= 0.5
    assert scores["emoji only"].anger > scores["calm emoji"].anger
    assert scores["mixed"].anger >= 0.5 and "supervisor_request" in scores["mixed"].codes()
    assert scores["very long"].anger < 0.5  # repetition of a calm sentence stays calm


def test_agent_and_system_messages_are_not_scored_for_anger(scorer: ModelScorer) -> None:
    agent = Event("c", "a", 0, "agent", "气死了！！！", norm_text="气死了！！！")
    system = Event("c", "s", 0, "system", "气死了", norm_text="气死了")
    assert [s.anger for s in scorer.score_batch([agent, system])] == [0.0, 0.0]


def test_char_hasher_counts_each_text_on_its_own() -> None:
    from monitor.offline.estimators import CharNgramHasher

    hasher = CharNgramHasher(n_features=2**20).fit([])
    texts = ["太过分了", "", "AB", "ab", "好的好的"]
    batch = hasher.transform(texts).toarray()
    alone = [hasher.transform([t]).toarray()[0] for t in texts]
    for row, single in zip(batch, alone, strict=True):
        assert (row == single).all()  # no n-gram spans two texts of a batch
    assert batch[0].sum() == 4 + 3 + 2  # 1-, 2- and 3-grams of four characters
    assert batch[1].sum() == 0
    assert (batch[2] == batch[3]).all()  # lower-cased
    assert batch[4].max() == 2  # 好的 twice, 好 twice, 的 twice
    with pytest.raises(ValueError):
        CharNgramHasher(n_features=1000).fit([])


def test_support_model_trained_on_other_rule_features_is_refused(tmp_path: Path) -> None:
    for name in (support_model.FILENAME, support_model.META_FILENAME):
        shutil.copy(DEFAULT_DIR / name, tmp_path / name)
    meta_path = tmp_path / support_model.META_FILENAME
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["features"] = meta["features"][:-1]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelVersionError, match="other features"):
        SupportModel.load(tmp_path)


def test_trained_urgency_beats_the_rules_on_held_out_messages_and_keeps_negation(
        scorer: ModelScorer) -> None:
    from sklearn.metrics import roc_auc_score

    held_out = load_own("test")
    texts = [normalise(r["text"]) for r in held_out]
    truth = [r["urgency"] for r in held_out]
    trained = roc_auc_score(truth, [s.urgency for s in scorer.score_texts(texts)])
    rules = roc_auc_score(truth, [scorer.rules.score_text(t).urgency for t in texts])
    assert trained > rules
    [calm] = scorer.score_batch([customer("不着急，下周有空再帮我看看发票")])
    assert calm.urgency < 0.5 and "urgency_negated" in calm.codes()


def test_time_words_in_passing_do_not_make_a_long_post_urgent(scorer: ModelScorer) -> None:
    # Weibo-style posts written for this test (not in models/data): 马上/立刻/赶紧 used in
    # a story, a thank-you or a wish, against posts with a real deadline or stake.
    in_passing = [
        "上个月在微博反映了信号问题，你们马上就派人来测了，现在家里信号满格，特别感谢",
        "看到广告立刻就心动了，想问问这款路由器和家里的旧光猫能不能一起用，怎么设置",
        "每次升级系统都要重新设置一遍壁纸和铃声，希望你们赶紧优化一下，挺麻烦的",
    ]
    real = [
        "今晚十点的火车，电子票一直出不来，检票口说要身份证加订单号，订单页面却打不开，急！",
        "店里的收款账户突然被冻结了，今天的营业款都在里面，下午就要给工人发工资，请马上处理",
    ]
    passing, urgent = (scorer.score_texts([normalise(t) for t in group]) for group in (in_passing, real))
    assert all(s.urgency >= 0.5 for s in urgent)
    # Ordered below every real case and never critical (the version before the long-post
    # batch in models/data rated such posts 0.8-0.9). Two of the three still reach 0.5:
    # a known weakness (models/README.md).
    assert max(s.urgency for s in passing) < min(s.urgency for s in urgent)
    assert all(s.urgency < 0.8 for s in passing)


def test_complaint_type_no_worse_than_the_rules_on_held_out_messages(scorer: ModelScorer) -> None:
    held_out = load_own("test")
    texts = [normalise(r["text"]) for r in held_out]
    truth = [r["complaint_type"] for r in held_out]
    trained = sum(s.complaint_type == t for s, t in zip(scorer.score_texts(texts), truth, strict=True))
    rules = sum(scorer.rules.score_text(x).complaint_type == t for x, t in zip(texts, truth, strict=True))
    assert trained >= rules
    [greeting] = scorer.score_batch([customer("你好，在吗")])
    assert greeting.complaint_type is None


def test_fast_prediction_agrees_with_scikit_learn(shipped: AngerModel, support: SupportModel) -> None:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    from monitor.offline.estimators import CharNgramHasher

    def lr(coef: np.ndarray, intercept: np.ndarray, classes: list[object]) -> LogisticRegression:
        model = LogisticRegression()
        model.coef_, model.intercept_, model.classes_ = coef, intercept, np.array(classes)
        return model

    def tfidf(idf: np.ndarray, counts: sp.csr_matrix) -> sp.csr_matrix:
        transformer = TfidfTransformer(sublinear_tf=True).fit(counts)
        transformer.idf_ = idf
        return transformer.transform(counts)

    texts = [normalise(t) for t in ("气死了！！！", "", "请问几点发货", "明天就要用，今天必须发", "😡",
                                    "This is unacceptable", "好的" * 200)]
    counts = CharNgramHasher(shipped.n_features).fit(texts).transform(texts)
    reference = lr(shipped.coef[None, :], np.array([shipped.intercept]), [False, True])
    assert shipped.predict_proba(texts) == pytest.approx(
        reference.predict_proba(tfidf(shipped.idf, counts))[:, 1].tolist(), abs=1e-9)
    rules = RuleScorer(builtin().lexicon)
    scores = [rules.score_text(t) for t in texts]
    # The scorer hands the support model the anger model's counts (2^17 buckets), folded.
    assert support.predict(texts, scores, shipped.hash(texts)) == support.predict(texts, scores)
    own = CharNgramHasher(support.n_features).fit(texts).transform(texts)
    x = sp.hstack([tfidf(support.idf, own), sp.csr_matrix(support_model.rule_features(scores))],
                  format="csr")
    urgency, kinds = support.predict(texts, scores)
    without_category = x[:, :-len(COMPLAINT_TYPES)]  # the urgency head leaves those columns out
    urgency_lr = lr(support.urgency_coef[None, :], np.array([support.urgency_intercept]), [False, True])
    assert urgency == pytest.approx(urgency_lr.predict_proba(without_category)[:, 1].tolist(), abs=1e-9)
    complaint_lr = lr(support.complaint_coef, support.complaint_intercept, list(support.classes))
    assert [k or "none" for k in kinds] == complaint_lr.predict(x).tolist()


def test_anger_in_use_is_the_fitted_combination(scorer: ModelScorer, shipped: AngerModel) -> None:
    import numpy as np

    texts = ["都没有", "就这些", "不是", "什么意思", "现在能不能退货", "那开票信息发给谁",
             "等了三天一句话都没有，这就是你们的服务？", "太过分了！！！", "你们这群骗子"]
    scored = scorer.score_batch([customer(t) for t in texts])
    norm = [normalise(t) for t in texts]
    p = shipped.predict_proba(norm)
    evidence = [scorer.rules.score_text(t).anger_evidence for t in norm]
    short = [len(t.strip()) < SHORT_CHARS for t in norm]
    expected = shipped.combine(p, evidence, short)
    for text, s, want, raw in zip(texts, scored, expected, p, strict=True):
        assert s.anger == pytest.approx(float(want), abs=1e-4), text
        assert s.anger_model == pytest.approx(raw, abs=1e-4)  # the raw probability is kept
    calm = dict(zip(texts, scored, strict=True))
    assert all(calm[t].anger < 0.5 for t in texts[:6])  # plain replies and questions
    assert calm["等了三天一句话都没有，这就是你们的服务？"].anger >= 0.5  # no listed word
    # Monotone in each part: more model probability or more evidence never lowers anger.
    grid = np.linspace(0.01, 0.99, 25)
    for e in (0.0, 0.3, 0.6):
        for sh in (False, True):
            values = shipped.combine(grid, [e] * 25, [sh] * 25)
            assert (np.diff(values) > 0).all()
    assert (np.diff(shipped.combine([0.4] * 4, [0.0, 0.2, 0.4, 0.6], [False] * 4)) > 0).all()


def test_hard_signals_are_reasons_not_anger(scorer: ModelScorer) -> None:
    # A threat said calmly keeps its signal (it escalates on its own) but adds no anger.
    [calm_threat, plain] = scorer.score_batch([customer("请问这个问题可以去12315反映吗"),
                                               customer("请问这个问题可以去哪里反映吗")])
    assert "regulator_threat" in calm_threat.codes()
    assert calm_threat.anger_evidence == plain.anger_evidence == 0.0
    # In the rules alone the threat does add to anger (no model to weigh it).
    rules_only = scorer.rules.score_text(normalise("请问这个问题可以去12315反映吗"))
    assert rules_only.anger > 0.0 and rules_only.anger_evidence == 0.0


def test_a_day_named_alone_is_not_a_deadline(scorer: ModelScorer) -> None:
    day, need = scorer.score_batch([customer("今天"), customer("今天必须送到，明早要出门")])
    assert day.urgency < MODEL_MIN and "urgency_model" not in day.codes()
    assert need.urgency >= MODEL_MIN


def test_a_model_without_its_combiner_is_refused(tmp_path: Path) -> None:
    directory = copy_models(tmp_path)
    edit_meta(directory, combiner={"features": ["model_logit"], "coef": [1.0], "intercept": 0.0})
    with pytest.raises(ModelVersionError, match="combiner"):
        AngerModel.load(directory)
