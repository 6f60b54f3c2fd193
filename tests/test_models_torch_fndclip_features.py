"""FND-CLIP with ``clip_features: true`` (:mod:`polimodal.models.torch.fndclip_attention`): the frozen
CLIP's features feed the classifier as in Zhou et al. 2022, on the synthetic "agree" posts with tiny
random encoders: it trains and reloads, the fused CLIP stream is scaled by the standardised
image-text similarity, and the modality attention gates the three streams before the classifier."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from polimodal.data.videodata import VideoData
from polimodal.models import model_class
from polimodal.models.torch.fndclip import FusionHead
from polimodal.models.torch.fndclip_attention import ClipFeatureHead
from polimodal.synthetic.posts import make_agree_corpus

CLASSES = ["agree", "disagree"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, VideoData]:
    return make_agree_corpus(
        tmp_path_factory.mktemp("agree"), {"train": 4, "validation": 2, "test": 2}, images_per_post=2, seed=7
    )


def _params(tiny_bert: Path, tiny_cnn: Path, tiny_clip: Path, **extra: object) -> dict:
    return {
        "model": str(tiny_bert),
        "max_length": 16,
        "image_model": "shufflenet_v2_x0_5",
        "weights": str(tiny_cnn),
        "clip_model": str(tiny_clip),
        "image_size": 32,
        "projection_dim": 16,
        "head_hidden": 16,
        "dropout": 0.0,
        "head_lr": 1e-2,
        "epochs": 2,
        "patience": 10,
        "batch_size": 8,
        "contrastive": 0.0,
        "freeze_encoders": True,
        **extra,
    }


def test_clip_features_feed_the_classifier(
    corpus: dict[str, VideoData], tiny_bert: Path, tiny_cnn: Path, tiny_clip: Path, tmp_path: Path
) -> None:
    params = _params(tiny_bert, tiny_cnn, tiny_clip, clip_features=True)
    model = model_class("fndclip")(CLASSES, params, seed=0)
    summary = model.fit(corpus["train"], corpus["validation"], tmp_path)
    assert summary["epochs_run"] == 2
    net = model.module
    assert net is not None and isinstance(net.head, ClipFeatureHead) and len(net._guide) == 1
    assert not any("clip" in k or "_guide" in k for k in net.state_dict())  # CLIP stays out of it
    data = corpus["train"]
    inputs = model.collate(data, [0, 1, 2, 3], [data.frames(v)[0] for v in data.video_ids[:4]])
    net.eval()
    with torch.no_grad():
        out = net(**inputs)
        ct, cv = net.clip_features(inputs["clip_ids"], inputs["clip_mask"], inputs["pixels"])
        t, v = out["text"], out["image"]
        head = net.head
        streams = head.streams(t, v, ct, cv)
        s = head.weight(ct, cv)
    # the similarity weight: CLIP's image-text cosine, standardised (running mean / variance of
    # the training batches), then the learnt scale and shift
    bn = head.similarity
    cos = F.cosine_similarity(ct, cv, dim=-1)
    standard = (cos - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)
    torch.testing.assert_close(s, standard * bn.weight + bn.bias)
    assert float(bn.num_batches_tracked) > 0 and not torch.equal(bn.running_mean, torch.zeros(1))
    # ... scales the fused CLIP stream (a unit vector × √d before the weight); the text and image
    # streams are the unit-norm projections × √d
    root = math.sqrt(head.dim)
    torch.testing.assert_close(streams[:, 2].norm(dim=-1), root * s.abs())
    torch.testing.assert_close(streams[:, 0].norm(dim=-1), torch.full((4,), root))
    torch.testing.assert_close(streams[:, 1].norm(dim=-1), torch.full((4,), root))
    # modality attention: one gate in (0, 1) per sample and stream; the classifier reads the
    # gated sum of the three streams
    a = out["stream_weights"]
    assert a.shape == (4, 3) and bool(((a > 0) & (a < 1)).all())
    torch.testing.assert_close(
        a, torch.sigmoid(head.attention.excite(streams.mean(-1)) + head.attention.excite(streams.amax(-1)))
    )
    torch.testing.assert_close(out["logits"], head.classifier((a.unsqueeze(-1) * streams).sum(1)))
    # other images: the CLIP similarity, hence the fused stream, changes; the text stream does not
    with torch.no_grad():
        swapped = head.streams(t, v, ct, cv.flip(0))
    assert torch.equal(swapped[:, 0], streams[:, 0]) and not torch.allclose(swapped[:, 2], streams[:, 2])
    scores = model.predict(corpus["test"])[1]  # before the training step below moves batch statistics
    # training reaches the similarity's scale and the attention
    net.train()
    loss = model.make_loss(None)(net(**inputs), torch.tensor([0, 1, 0, 1]))
    loss.backward()
    assert head.similarity.weight.grad is not None and head.attention.excite[0].weight.grad is not None
    # scoring reloads CLIP (it feeds the classifier) and gives the same predictions
    scorer = model_class("fndclip")(CLASSES, params, seed=0)
    scorer.load(tmp_path)
    assert scorer.module is not None and len(scorer.module._guide) == 1
    torch.testing.assert_close(torch.as_tensor(scorer.predict(corpus["test"])[1]), torch.as_tensor(scores))


def test_default_keeps_clip_out_of_the_classifier(
    corpus: dict[str, VideoData], tiny_bert: Path, tiny_cnn: Path, tiny_clip: Path, tmp_path: Path
) -> None:
    model = model_class("fndclip")(CLASSES, _params(tiny_bert, tiny_cnn, tiny_clip, epochs=1), seed=0)
    model.fit(corpus["train"], corpus["validation"], tmp_path)
    net = model.module
    assert net is not None and isinstance(net.head, FusionHead) and not net._guide
    data = corpus["train"]
    inputs = model.collate(data, [0, 1], [data.frames(v)[0] for v in data.video_ids[:2]])
    assert "clip_ids" not in inputs and "stream_weights" not in net.eval()(**inputs)
