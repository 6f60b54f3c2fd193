"""The measurement loop: a coded sample with known inclusion probabilities, agreement between its
coders, and corpus estimates corrected with it (:mod:`.design`, :mod:`.agreement`, :mod:`.estimate`).

Cross-fitting: the correction is valid only when the prediction of a coded item comes from a model
that did not train on it. Callers pass, for each coded item, the prediction of a model whose
training data left that item out.
"""
