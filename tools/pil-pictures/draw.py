"""Pictures of the synthetic world's kind drawn by another program (PIL), with their questions as `eval --format jsonl`
reads them: a check that a demo model reads shapes, not one renderer's pixels (docs/evaluation.md).

Independent of the world's renderer: other RGB values for the colour names, the two sizes with ±1 px, each shape up to
5 px off its quadrant's centre, half the pictures anti-aliased (drawn at 4x and downsampled). The questions follow
the documented forms: count, presence (yes/no balanced), and, about a shape the picture holds once, colour, position
(left/right or top/bottom) and a lettered colour choice.

    pip install pillow
    python3 tools/pil-pictures/draw.py OUT BACKGROUND PICTURES SEED
    bin/inverse-llava eval --format jsonl --data OUT/questions.jsonl

BACKGROUND is a grey level (118 is the world's) or `random`: a grey from 90-160 per picture, and half the pictures
re-encoded as JPEG at quality 90, 70 or 50.
"""
import io
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 112
COLORS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 70, 220), "yellow": (235, 215, 40),
          "white": (245, 245, 245)}
SHAPES = ["circle", "square", "triangle"]
LETTERS = "ABCD"


def open_question(q):
    return q + "\nAnswer the question using a single word or phrase."


def draw(rnd, background):
    """One picture and its items (shape, colour, quadrant 0-3: top left, top right, bottom left, bottom right)."""
    grey = rnd.randint(90, 160) if background == "random" else int(background)
    k = 4 if rnd.random() < 0.5 else 1  # anti-aliased: drawn k times larger, then downsampled
    img = Image.new("RGB", (SIZE * k, SIZE * k), (grey, grey, grey))
    d = ImageDraw.Draw(img)
    items = []
    for q in rnd.sample(range(4), rnd.randint(1, 4)):
        shape, color = rnd.choice(SHAPES), rnd.choice(list(COLORS))
        r = rnd.choice([10, 17]) + rnd.randint(-1, 1)
        cx = (28 if q % 2 == 0 else 84) + rnd.randint(-5, 5)
        cy = (28 if q < 2 else 84) + rnd.randint(-5, 5)
        box = [(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k]
        if shape == "circle":
            d.ellipse(box, fill=COLORS[color])
        elif shape == "square":
            d.rectangle(box, fill=COLORS[color])
        else:
            d.polygon([(cx * k, (cy - r) * k), ((cx - r) * k, (cy + r) * k), ((cx + r) * k, (cy + r) * k)],
                      fill=COLORS[color])
        items.append((shape, color, q))
    if k > 1:
        img = img.resize((SIZE, SIZE), Image.LANCZOS)
    if background == "random" and rnd.random() < 0.5:
        b = io.BytesIO()
        img.save(b, "JPEG", quality=rnd.choice([90, 70, 50]))
        img = Image.open(io.BytesIO(b.getvalue())).convert("RGB")
    return img, items


def questions(rnd, items):
    """(kind, question, answer) of one picture."""
    out = [("count", open_question("How many shapes are in the image?"), str(len(items)))]
    if rnd.random() < 0.5:
        s, c, _ = rnd.choice(items)
        out.append(("presence", open_question(f"Is there a {c} {s} in the image?"), "yes"))
    else:
        present = {(s, c) for s, c, _ in items}
        s, c = rnd.choice([(s, c) for s in SHAPES for c in COLORS if (s, c) not in present])
        out.append(("presence", open_question(f"Is there a {c} {s} in the image?"), "no"))
    once = [it for it in items if sum(1 for o in items if o[0] == it[0]) == 1]
    if once:
        s, c, q = rnd.choice(once)
        out.append(("color", open_question(f"What color is the {s}?"), c))
        if rnd.random() < 0.5:
            out.append(("position", open_question(f"Is the {s} on the left or on the right?"),
                        "left" if q % 2 == 0 else "right"))
        else:
            out.append(("position", open_question(f"Is the {s} at the top or at the bottom?"),
                        "top" if q < 2 else "bottom"))
        options = [c] + rnd.sample([o for o in COLORS if o != c], 3)
        rnd.shuffle(options)
        listed = "\n".join(f"{LETTERS[j]}. {o}" for j, o in enumerate(options))
        out.append(("choice", f"What color is the {s}?\n{listed}\n"
                    "Answer with the option's letter from the given choices directly.",
                    LETTERS[options.index(c)]))
    return out


def main():
    out, background, pictures, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(seed)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(pictures):
        img, items = draw(rnd, background)
        name = f"images/pil-{i:06d}.png"
        img.save(out / name)
        for kind, question, answer in questions(rnd, items):
            rows.append({"question_id": f"pil-{i:06d}-{kind}", "image": name, "question": question,
                         "answer": answer, "category": kind})
    with open(out / "questions.jsonl", "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    print(f"{out}: {pictures} pictures, {len(rows)} questions")


if __name__ == "__main__":
    main()
