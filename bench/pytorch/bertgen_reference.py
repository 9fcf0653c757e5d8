"""The BertGen model (docs/ARCHITECTURE.md, "The model") in PyTorch, parameter for parameter, with Hugging Face BertForPreTraining names.

Used to write the test fixture (tests/fixtures/make_pytorch_fixture.py) and for the side-by-side benchmark
(bench/compare-pytorch.sh). Needs Debian's python3-torch only.
"""
import json
import math
import struct
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class Config:
    maxLen: int
    batchSize: int
    maxPred: int
    layers: int
    heads: int
    dModel: int
    dFF: int
    dK: int
    segments: int = 2
    ffnAddNorm: bool = True
    embeddingLayerNorm: bool = True
    layerNormEps: float = 1e-5
    name: str = "Model"

    @staticmethod
    def load(path):
        with open(path) as f:
            raw = json.load(f)
        known = {k: raw[k] for k in Config.__dataclass_fields__ if k in raw}
        return Config(**known)


def parameter_shapes(c: Config, vocab: int):
    """Every parameter's Hugging Face name and shape, in BertForPreTraining's order."""
    d, a, f = c.dModel, c.heads * c.dK, c.dFF
    shapes = [
        ("bert.embeddings.word_embeddings.weight", (vocab, d)),
        ("bert.embeddings.position_embeddings.weight", (c.maxLen, d)),
        ("bert.embeddings.token_type_embeddings.weight", (c.segments, d)),
    ]
    if c.embeddingLayerNorm:
        shapes += [("bert.embeddings.LayerNorm.weight", (d,)), ("bert.embeddings.LayerNorm.bias", (d,))]
    for l in range(c.layers):
        p = f"bert.encoder.layer.{l}."
        for name in ("query", "key", "value"):
            shapes += [(p + f"attention.self.{name}.weight", (a, d)), (p + f"attention.self.{name}.bias", (a,))]
        shapes += [
            (p + "attention.output.dense.weight", (d, a)),
            (p + "attention.output.dense.bias", (d,)),
            (p + "attention.output.LayerNorm.weight", (d,)),
            (p + "attention.output.LayerNorm.bias", (d,)),
            (p + "intermediate.dense.weight", (f, d)),
            (p + "intermediate.dense.bias", (f,)),
            (p + "output.dense.weight", (d, f)),
            (p + "output.dense.bias", (d,)),
        ]
        if c.ffnAddNorm:
            shapes += [(p + "output.LayerNorm.weight", (d,)), (p + "output.LayerNorm.bias", (d,))]
    shapes += [
        ("bert.pooler.dense.weight", (d, d)),
        ("bert.pooler.dense.bias", (d,)),
        ("cls.predictions.transform.dense.weight", (d, d)),
        ("cls.predictions.transform.dense.bias", (d,)),
        ("cls.predictions.transform.LayerNorm.weight", (d,)),
        ("cls.predictions.transform.LayerNorm.bias", (d,)),
        ("cls.seq_relationship.weight", (2, d)),
        ("cls.seq_relationship.bias", (2,)),
        ("cls.predictions.bias", (vocab,)),
    ]
    return shapes


def init_parameters(c: Config, vocab: int, generator: torch.Generator, dtype=torch.float32):
    """The initialisation of docs/ARCHITECTURE.md: embeddings N(0,1); linear U(+-1/sqrt(fan_in)); LayerNorm 1 and 0; decoder bias 0."""
    params = {}
    fan_in = {}
    for name, shape in parameter_shapes(c, vocab):
        if name.endswith("embeddings.weight"):
            t = torch.randn(shape, generator=generator, dtype=torch.float64)
        elif "LayerNorm" in name:
            t = torch.ones(shape, dtype=torch.float64) if name.endswith("weight") else torch.zeros(shape, dtype=torch.float64)
        elif name == "cls.predictions.bias":
            t = torch.zeros(shape, dtype=torch.float64)
        else:
            stem = name.rsplit(".", 1)[0]
            if name.endswith("weight"):
                fan_in[stem] = shape[1]
            bound = 1.0 / math.sqrt(fan_in[stem])
            t = (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * bound
        params[name] = t.to(dtype).requires_grad_(True)
    return params


def _layer_norm(x, p, prefix, eps):
    # The normalised shape from the weight's, a constant, so that the ONNX export does not make it depend on x.
    return F.layer_norm(x, p[prefix + ".weight"].shape, p[prefix + ".weight"], p[prefix + ".bias"], eps)


def forward(c: Config, p, ids, seg, masked_pos, masked_tok, is_next):
    """Returns (logits_lm [B,P,V], logits_clsf [B,2], mlm_loss, nsp_loss)."""
    logits_lm, logits_clsf = logits(c, p, ids, seg, masked_pos)
    real = masked_tok != 0
    mlm_loss = F.cross_entropy(logits_lm[real], masked_tok[real])
    nsp_loss = F.cross_entropy(logits_clsf, is_next)
    return logits_lm, logits_clsf, mlm_loss, nsp_loss


def logits(c: Config, p, ids, seg, masked_pos):
    """The forward pass up to the heads' logits: (logits_lm [B,P,V], logits_clsf [B,2])."""
    b, t = ids.shape
    h, dk = c.heads, c.dK
    e = (p["bert.embeddings.word_embeddings.weight"][ids]
         + p["bert.embeddings.position_embeddings.weight"][torch.arange(t)].unsqueeze(0)
         + p["bert.embeddings.token_type_embeddings.weight"][seg])
    x = _layer_norm(e, p, "bert.embeddings.LayerNorm", c.layerNormEps) if c.embeddingLayerNorm else e
    pad = (ids == 0)[:, None, None, :]
    for l in range(c.layers):
        pre = f"bert.encoder.layer.{l}."

        def heads(name):
            y = F.linear(x, p[pre + f"attention.self.{name}.weight"], p[pre + f"attention.self.{name}.bias"])
            return y.view(b, t, h, dk).transpose(1, 2)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dk)
        scores = scores.masked_fill(pad, -1e9)
        attn = torch.softmax(scores, dim=-1)
        context = (attn @ v).transpose(1, 2).reshape(b, t, h * dk)
        attn_output = F.linear(context, p[pre + "attention.output.dense.weight"], p[pre + "attention.output.dense.bias"])
        mha = _layer_norm(attn_output + x, p, pre + "attention.output.LayerNorm", c.layerNormEps)
        hidden = F.gelu(F.linear(mha, p[pre + "intermediate.dense.weight"], p[pre + "intermediate.dense.bias"]))
        out = F.linear(hidden, p[pre + "output.dense.weight"], p[pre + "output.dense.bias"])
        x = _layer_norm(out + mha, p, pre + "output.LayerNorm", c.layerNormEps) if c.ffnAddNorm else out
    pooled = torch.tanh(F.linear(x[:, 0], p["bert.pooler.dense.weight"], p["bert.pooler.dense.bias"]))
    logits_clsf = F.linear(pooled, p["cls.seq_relationship.weight"], p["cls.seq_relationship.bias"])
    h_masked = torch.gather(x, 1, masked_pos.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
    dense = F.gelu(F.linear(h_masked, p["cls.predictions.transform.dense.weight"], p["cls.predictions.transform.dense.bias"]))
    t_norm = _layer_norm(dense, p, "cls.predictions.transform.LayerNorm", c.layerNormEps)
    logits_lm = F.linear(t_norm, p["bert.embeddings.word_embeddings.weight"], p["cls.predictions.bias"])
    return logits_lm, logits_clsf


_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}


def save_safetensors(path, tensors, metadata=None):
    """Writes a safetensors file (8-byte little-endian header length, JSON header, raw little-endian data)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": _DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


_NUMPY = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def load_safetensors(path):
    """Reads every tensor of a safetensors file (what save_safetensors writes, and BertGen's checkpoints) by name."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    start = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[start + begin:start + end], dtype=_NUMPY[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(values.copy())
    return tensors
