# vowels: a Python action (openwhisk/action-python-v3.11) that counts the vowels of a text.
import sys


def main(args):
    text = args.get("text", "the quick brown fox jumps over the lazy dog")
    counts = {v: text.count(v) for v in "aeiou"}
    print("counted", sum(counts.values()), "vowels")
    print("activation", args.get("n"), file=sys.stderr)
    return {"vowels": counts}
