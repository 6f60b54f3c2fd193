"""Explicit alignment of the modalities: words × pitch × frames (:mod:`.table`), queries over the
aligned table (:mod:`.query`; which words match: :mod:`.matching`, statistics: :mod:`.stats`,
figures: :mod:`.plots`) and the pitch effect as an estimate (:mod:`.estimate`). The per-video
sequences the cross-modal models read are data (:mod:`polimodal.data.sequences`)."""
