# stats: a Python zip action. The demo zips this directory and sends it base64 (binary);
# the runtime runs __main__.py, which imports a module of the same archive.
from summary import describe


def main(args):
    numbers = args.get("numbers", [3, 1, 4, 1, 5, 9, 2, 6])
    print("summarising", len(numbers), "numbers")
    return describe(numbers)
