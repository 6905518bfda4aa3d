"""Masking of personal data (PLAYBOOK §5): the one place that makes customer text safe to
show. Every output a person can read goes through ``mask`` or ``excerpt``."""

from monitor.privacy.mask import excerpt, mask

__all__ = ["excerpt", "mask"]
