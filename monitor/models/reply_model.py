"""Does this customer message expect a reply? P(yes) from the message's text.

"好的，我去申请", "没有了，谢谢", "行吧，那我等你消息" close a conversation or say the
customer will act themselves; a question, a request, a complaint or the order number the
agent asked for expect an answer. A reply timer starts only for a message that expects
one (``monitor/steps/state.py``; the threshold is in the playbook file).

Fitted offline (``monitor/offline/reply.py``) on the team's labels of real JDDC customer
lines (``models/data/reply_labels.jsonl``: ids and text hashes, the text stays in
``../shared/data``) and on the team's own messages (``models/data/reply_messages.jsonl``).
2^14 buckets of the anger model's hash (counts are folded, not hashed again).
"""

from __future__ import annotations

from monitor.models.text_model import BinaryTextModel

FORMAT = "support-monitor/reply/1"
FILENAME = "reply.npz"
META_FILENAME = "reply.json"
N_FEATURES = 2**14


class ReplyModel(BinaryTextModel):
    name = "reply-lr-v1"
    FORMAT = FORMAT
    FILENAME = FILENAME
    META_FILENAME = META_FILENAME
    WHAT = "reply-expectation model"
