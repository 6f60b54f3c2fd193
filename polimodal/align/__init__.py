"""Explicit alignment of the modalities: words × pitch × frames (:mod:`.table`) and queries over
the aligned table (:mod:`.query`). The per-video sequences the cross-modal models read are data
(:mod:`polimodal.data.sequences`)."""
