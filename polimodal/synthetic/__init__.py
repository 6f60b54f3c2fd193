"""Stand-ins for tests, benchmarks and the offline demo — never part of a real run.

- :mod:`~polimodal.synthetic.media`: synthetic videos (ffmpeg footage + espeak-ng speech);
- :mod:`~polimodal.synthetic.tinymodels`: tiny *untrained* models saved like real checkpoints;
- :mod:`~polimodal.synthetic.xor`: the XOR corpus (label = text XOR frame colour);
- :mod:`~polimodal.synthetic.demo`: the demo corpus behind ``make demo``.
- :mod:`~polimodal.synthetic.posts`: the "agree" posts corpus (label = text and image name the
  same colour) of the FND-CLIP tests, benchmark and the posts demo.
"""
