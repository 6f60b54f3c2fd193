"""What a model reads, below the models: the data types and how they are read from the tables.

- :mod:`~polimodal.data.inputs`: the one table from an input a model kind reads (``text``,
  ``frames``, ``words``, ``audio``) to the task- and shard-level files that hold it, and the one
  loader of those files for a set of videos;
- :mod:`~polimodal.data.videodata`: :class:`VideoData`, one split of a task as a model sees it,
  and the fold's splits (:func:`load_fold`);
- :mod:`~polimodal.data.texts`, :mod:`~polimodal.data.frames`, :mod:`~polimodal.data.sequences`:
  a video's text, its kept frames (streamed), its word / audio / frame-embedding sequences.

It imports from ``corpus`` (schemas, :mod:`polimodal.corpus.rows`) only: models, experiments and
the workflow import it, never the other way round.
"""
