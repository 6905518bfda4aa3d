"""The playbook step: which flags a scored message raises (``engine``), with the agent
rules (``coaching``), the seed 003 customer types (``customer_types``), the reply timers
(``timers``), the Chinese suggestions (``suggestions``) and the playbook file (``file``)."""
