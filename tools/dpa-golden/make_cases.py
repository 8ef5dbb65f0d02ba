"""Builds the tiny DPA reference cases the Java runtime is checked against (runtime/src/test/resources/golden/tiny-dpa).

A random DPA model of the DPA-4B architecture at a tiny size, made of transformers' own classes as the released code
composes them (THUMAI-Lab/Deep-Pre-Alignment, modeling_llava_baseline.py:542-570 and
modeling_forward_visual_tokens_llava_arch.py:128-136, 433-519):
  perceiver = Qwen2_5_VisionTransformerPretrainedModel + Qwen3Model whose rotary embedding is Qwen2_5_VLRotaryEmbedding
              (M-RoPE over get_rope_index's 3-row positions); features = its last hidden layer (after the final norm)
              from <|vision_start|> to <|vision_end|> inclusive
  aligner   = Linear(P, P) -> ReLU -> Linear(P, T)
  thinker   = Qwen3ForCausalLM, the aligned rows scattered over <|vision_start|>, the pads and <|vision_end|>

It writes the model in the single-checkpoint layout (dpa/: model.perceiver.*, model.linear_align_dim.*, model.thinker.*
in two .bin shards with an index; the sub-configs referenced by name and stored under refs/) and in the separated
evaluation layout (separated/: perceiver/, thinker/, linear_align_dim.pth), the byte-level BPE tokenizers (a vocabulary
trained here: Qwen's own files are not needed to check the code), and expected.json + tensors.safetensors: pixel
values from the PIL Qwen2-VL image processor, token ids, M-RoPE positions, perceiver features, aligned rows,
first-step logits and greedy ids for two pictures of different sizes.

Run with a venv of Debian's python3: pip install torch transformers safetensors pillow numpy (the machine's mirrors),
then: python tools/dpa-golden/make_cases.py runtime/src/test/resources/golden/tiny-dpa
"""

import json
import os
import shutil
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import Qwen3Config, Qwen3ForCausalLM, Qwen3Model
from transformers.models.qwen2_5_vl.configuration_qwen2_5_vl import (
    Qwen2_5_VLConfig,
    Qwen2_5_VLTextConfig,
    Qwen2_5_VLVisionConfig,
)
from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import Qwen2_5_VLModel, Qwen2_5_VLRotaryEmbedding
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

SEED = 20261206
# Qwen2's pre-tokeniser (tokenizer.json of Qwen2.5-VL and Qwen3)
PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
           r"|\s+(?!\S)|\s+")
# Qwen's special tokens in their order (151643 + i in the real vocabulary): vision_start is +9, image_pad +12
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
THINKER_EXTRA = ["<think>", "</think>"]
SYSTEM = "You are a helpful assistant."
QUESTION = "What colour is the square? Answer in one word."
MRoPE_SECTION = [2, 3, 3]  # sums to head_dim / 2 = 8, as [16, 24, 24] sums to 64
PERCEIVER_THETA = 50000.0  # not 10000 nor 1e6: the reader must take it from perceiver_config
THINKER_THETA = 1000000.0
CORPUS = [
    "What colour is the square? Answer in one word.", "The square is red and the circle is blue.",
    "Describe the picture in detail.", "There are two shapes: a green triangle and a yellow star.",
    "You are a helpful assistant.", "How many circles are there? 1, 2, 3 or 4.", "Is there a dog? yes no",
    "The answer is A.", "Options: A. red B. blue C. green D. yellow", "It's on the left; it isn't on the right.",
    "Numbers 12345 and 67.89 stay digits.", "Ünïcödé wörds and 中文 characters, emoji 🙂 too.",
]


def tokenizer(vocab_size, extra):
    """A byte-level BPE of Qwen2's form (NFC, the split regex, GPT-2 bytes), trained on CORPUS, specials appended."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS * 4, trainer)
    tok.add_special_tokens(SPECIALS + extra)
    return tok


def pictures():
    """Two pictures of different sizes and aspect ratios: one inside a single 112-px window, one spanning four."""
    small = Image.new("RGB", (84, 56), (118, 118, 118))
    ImageDraw.Draw(small).rectangle([10, 10, 40, 40], fill=(200, 30, 30))
    large = Image.new("RGB", (230, 150), (90, 140, 200))
    d = ImageDraw.Draw(large)
    d.ellipse([20, 20, 90, 90], fill=(250, 220, 40))
    d.polygon([(150, 130), (220, 130), (185, 60)], fill=(30, 160, 60))
    return {"small.png": small, "large.png": large}


def configs(vocab, bos, eos):
    vision = Qwen2_5_VLVisionConfig(
        depth=4, hidden_size=32, intermediate_size=48, num_heads=2, in_channels=3, patch_size=14,
        spatial_merge_size=2, temporal_patch_size=2, window_size=112, fullatt_block_indexes=[1, 3],
        out_hidden_size=48, hidden_act="silu", tokens_per_second=2)
    perceiver_lm = Qwen3Config(
        vocab_size=vocab, hidden_size=48, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6, rope_theta=THINKER_THETA, tie_word_embeddings=True,
        max_position_embeddings=512, bos_token_id=bos, eos_token_id=eos)
    thinker = Qwen3Config(
        vocab_size=vocab + 2, hidden_size=40, intermediate_size=72, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6, rope_theta=THINKER_THETA, tie_word_embeddings=True,
        max_position_embeddings=512, bos_token_id=bos, eos_token_id=eos)
    return vision, perceiver_lm, thinker


def main(out):
    torch.manual_seed(SEED)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    p_tok = tokenizer(300, [])
    t_tok = tokenizer(300, THINKER_EXTRA)
    vocab = p_tok.get_vocab_size() + 2  # padded past the specials, as Qwen's 151936 > 151665
    ids = {s: p_tok.token_to_id(s) for s in SPECIALS}
    vision_cfg, lm_cfg, thinker_cfg = configs(vocab, ids["<|endoftext|>"], ids["<|im_end|>"])

    # perceiver: a Qwen2_5_VLModel whose language model is a Qwen3Model with Qwen2.5-VL's M-RoPE (as DPA builds it)
    text_cfg = Qwen2_5_VLTextConfig(vocab_size=vocab, hidden_size=48, intermediate_size=64, num_hidden_layers=1,
                                    num_attention_heads=4, num_key_value_heads=2)
    vlm_cfg = Qwen2_5_VLConfig(vision_config=vision_cfg.to_dict(), text_config=text_cfg.to_dict(),
                               image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
                               vision_start_token_id=ids["<|vision_start|>"],
                               vision_end_token_id=ids["<|vision_end|>"])
    vlm = Qwen2_5_VLModel(vlm_cfg).eval()
    vlm.language_model = Qwen3Model(lm_cfg).eval()
    # the rotary embedding's config is the perceiver's own (LLaVABaselineConfig): its theta, head_dim, mrope_section
    rope_cfg = Qwen2_5_VLTextConfig(hidden_size=48, num_attention_heads=3, head_dim=16, max_position_embeddings=512,
                                    rope_parameters={"rope_type": "default", "rope_theta": PERCEIVER_THETA,
                                                     "mrope_section": MRoPE_SECTION})
    vlm.language_model.rotary_emb = Qwen2_5_VLRotaryEmbedding(config=rope_cfg)
    aligner = torch.nn.Sequential(torch.nn.Linear(48, 48), torch.nn.ReLU(), torch.nn.Linear(48, 40)).eval()
    thinker = Qwen3ForCausalLM(thinker_cfg).eval()
    with torch.no_grad():  # random weights of a useful scale (the defaults' 0.02 makes every layer near-identity)
        for module in (vlm, aligner, thinker):
            for name, p in module.named_parameters():
                if "norm" in name and p.dim() == 1:
                    p.copy_(1.0 + 0.2 * torch.randn_like(p))
                else:
                    p.copy_(torch.randn_like(p) * (1.5 / max(1, p.shape[-1]) ** 0.5 if p.dim() > 1 else 0.1))

    processor = Qwen2VLImageProcessorPil(min_pixels=3136, max_pixels=12845056)
    expected = {"question": QUESTION, "system": SYSTEM, "special_ids": ids, "think_ids":
                {s: t_tok.token_to_id(s) for s in THINKER_EXTRA}, "cases": {}}
    tensors = {}
    for name, picture in pictures().items():
        os.makedirs(os.path.join(out, "images"), exist_ok=True)
        picture.save(os.path.join(out, "images", name))
        px = processor(images=[picture], return_tensors="pt")
        pixel_values, grid = px["pixel_values"].float(), px["image_grid_thw"]
        n = int(grid[0].prod() // 4)
        perceiver_prompt = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                            + "<|image_pad|>" * n + f"<|vision_end|>{QUESTION}<|im_end|>\n")
        p_ids = torch.tensor([p_tok.encode(perceiver_prompt).ids])
        with torch.no_grad():
            rows = vlm.visual(pixel_values, grid_thw=grid).pooler_output  # [N, P]
            embeds = vlm.language_model.embed_tokens(p_ids)
            embeds = embeds.masked_scatter((p_ids == ids["<|image_pad|>"])[..., None].expand_as(embeds), rows)
            mm_types = (p_ids == ids["<|image_pad|>"]).int()
            positions, _ = vlm.get_rope_index(p_ids, mm_types, image_grid_thw=grid)  # [3, 1, L]
            hidden = vlm.language_model(inputs_embeds=embeds, position_ids=positions,
                                        attention_mask=torch.ones_like(p_ids)).last_hidden_state[0]
            s = int((p_ids[0] == ids["<|vision_start|>"]).nonzero()[0])
            e = int((p_ids[0] == ids["<|vision_end|>"]).nonzero()[0])
            features = hidden[s:e + 1]  # [N + 2, P]
            # the prefix alone gives the same rows (causal attention): what the vision encoder service runs
            prefix = vlm.language_model(inputs_embeds=embeds[:, :e + 1], position_ids=positions[:, :, :e + 1],
                                        attention_mask=torch.ones_like(p_ids[:, :e + 1])).last_hidden_state[0]
            assert torch.allclose(prefix[s:], features, atol=1e-5)
            aligned = aligner(features)  # [N + 2, T]
            thinker_prompt = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                              + "<|image_pad|>" * n + f"<|vision_end|>\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"
                              + "<think>\n\n</think>\n\n")
            t_ids = t_tok.encode(thinker_prompt).ids
            logits, greedy = thinker_generate(thinker, t_ids, aligned, ids, 12)
        key = name.split(".")[0]
        tensors[f"{key}.pixel_values"] = pixel_values.contiguous()
        tensors[f"{key}.vision_rows"] = rows.contiguous()
        tensors[f"{key}.features"] = features.contiguous()
        tensors[f"{key}.aligned"] = aligned.contiguous()
        tensors[f"{key}.first_logits"] = logits.contiguous()
        expected["cases"][name] = {
            "size": list(picture.size), "grid_thw": grid[0].tolist(), "image_tokens": n,
            "perceiver_prompt": perceiver_prompt, "perceiver_ids": p_ids[0].tolist(),
            "perceiver_positions": positions[:, 0].tolist(), "feature_span": [s, e],
            "thinker_prompt": thinker_prompt, "thinker_ids": t_ids, "greedy_ids": greedy,
            "greedy_text": t_tok.decode(greedy, skip_special_tokens=False),
        }
    expected["tokenizer_cases"] = {t: t_tok.encode(t).ids for t in [
        QUESTION, "Ünïcödé wörds and 中文, emoji 🙂!", "  two  spaces\n\nand lines\r\n", "It's 12345 <|im_end|> x"]}
    save_file(tensors, os.path.join(out, "tensors.safetensors"))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
    write_layouts(out, vlm, aligner, thinker, vision_cfg, lm_cfg, thinker_cfg, vlm_cfg, p_tok, t_tok, processor)


def thinker_generate(thinker, t_ids, aligned, ids, steps):
    """First-step logits and greedy ids (no stop: a random model's EOS would end the case early)."""
    ids_t = torch.tensor([t_ids])
    span = {ids["<|vision_start|>"], ids["<|image_pad|>"], ids["<|vision_end|>"]}
    mask = torch.tensor([[i in span for i in t_ids]])
    assert int(mask.sum()) == aligned.shape[0]
    embeds = thinker.model.embed_tokens(ids_t)
    embeds = embeds.masked_scatter(mask[..., None].expand_as(embeds), aligned)
    out, first, past = [], None, None
    for _ in range(steps):
        result = thinker(inputs_embeds=embeds, past_key_values=past, use_cache=True)
        past = result.past_key_values
        step_logits = result.logits[0, -1]
        if first is None:
            first = step_logits.clone()
        nxt = int(step_logits.argmax())
        out.append(nxt)
        embeds = thinker.model.embed_tokens(torch.tensor([[nxt]]))
    return first, out


def write_layouts(out, vlm, aligner, thinker, vision_cfg, lm_cfg, thinker_cfg, vlm_cfg, p_tok, t_tok, processor):
    refs = os.path.join(out, "refs")
    vit_dir = os.path.join(refs, "tiny", "Qwen2.5-VL")
    lm_dir = os.path.join(refs, "tiny", "Qwen3-perceiver")
    thinker_dir = os.path.join(refs, "tiny", "Qwen3-thinker")
    for d in (vit_dir, lm_dir, thinker_dir):
        os.makedirs(d)
    vlm_cfg.save_pretrained(vit_dir)
    processor.save_pretrained(vit_dir)
    p_tok.save(os.path.join(vit_dir, "tokenizer.json"))
    lm_cfg.save_pretrained(lm_dir)
    thinker_cfg.save_pretrained(thinker_dir)
    t_tok.save(os.path.join(thinker_dir, "tokenizer.json"))

    state = {}
    for k, v in vlm.visual.state_dict().items():
        state[f"model.perceiver.model.vlm.visual.{k}"] = v
    for k, v in vlm.language_model.state_dict().items():
        state[f"model.perceiver.model.vlm.language_model.{k}"] = v
    state["model.perceiver.lm_head.weight"] = vlm.language_model.embed_tokens.weight
    for k, v in aligner.state_dict().items():
        state[f"model.linear_align_dim.{k}"] = v
    for k, v in thinker.state_dict().items():
        if k != "lm_head.weight":  # tied: saved once, as Qwen3-4B's checkpoint does
            state[f"model.thinker.{k}"] = v
    state = {k: v.clone().contiguous() for k, v in state.items()}
    dpa = os.path.join(out, "dpa")
    os.makedirs(dpa)
    names = sorted(state)
    shards = {"pytorch_model-00001-of-00002.bin": names[: len(names) // 2],
              "pytorch_model-00002-of-00002.bin": names[len(names) // 2:]}
    weight_map = {}
    for shard, keys in shards.items():
        torch.save({k: state[k] for k in keys}, os.path.join(dpa, shard))
        weight_map.update({k: shard for k in keys})
    with open(os.path.join(dpa, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    perceiver_config = {
        "model_type": "llava_baseline", "vit_path": "tiny/Qwen2.5-VL", "llm_path": "tiny/Qwen3-perceiver",
        "hidden_size": 48, "num_attention_heads": 3, "head_dim": 16, "rope_theta": PERCEIVER_THETA,
        "rope_scaling": {"type": "mrope", "mrope_section": MRoPE_SECTION}, "max_position_embeddings": 512,
    }
    with open(os.path.join(dpa, "config.json"), "w") as f:
        json.dump({
            "model_type": "forward_visual_tokens_llava_arch",
            "architectures": ["ForwardVisualTokensArchForCausalLM"],
            "thinker_name_or_path": "tiny/Qwen3-thinker", "t_tokenizer_name_or_path": "tiny/Qwen3-thinker",
            "p_processor_name_or_path": "tiny/Qwen2.5-VL", "image_token_id": p_tok.token_to_id("<|image_pad|>"),
            "perceiver_config": perceiver_config, "torch_dtype": "float32",
        }, f, indent=1)

    sep = os.path.join(out, "separated")
    perceiver = os.path.join(sep, "perceiver")
    os.makedirs(perceiver)
    with open(os.path.join(perceiver, "config.json"), "w") as f:
        json.dump(perceiver_config, f, indent=1)
    torch.save({k[len("model.perceiver."):]: v for k, v in state.items() if k.startswith("model.perceiver.")},
               os.path.join(perceiver, "pytorch_model.bin"))
    processor.save_pretrained(perceiver)  # the processor and tokenizer are saved beside the perceiver
    p_tok.save(os.path.join(perceiver, "tokenizer.json"))
    thinker_sep = os.path.join(sep, "thinker")
    thinker.save_pretrained(thinker_sep, safe_serialization=True)
    t_tok.save(os.path.join(thinker_sep, "tokenizer.json"))
    torch.save({k: v.clone() for k, v in aligner.state_dict().items()}, os.path.join(sep, "linear_align_dim.pth"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runtime/src/test/resources/golden/tiny-dpa")
