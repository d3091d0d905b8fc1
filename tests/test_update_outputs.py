"""The update command rewrites expected outputs from what the blocks print, and nothing else."""

from __future__ import annotations

from update_outputs import update

PAGE = """# A page

```python
import vg
print("vg" in vg.__name__, 6 * 7)
```

<!--pytest-codeblocks:expected-output-->

```text
{first}
```

Prose in between stays.

??? success "Solution"

    ```python
    for k in range(2):
        print(k)
    ```

    <!--pytest-codeblocks:expected-output-->

    ```text
{second}
    ```
"""


def test_outputs_are_rewritten_in_place_and_indented(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(PAGE.format(first="True 41", second="    0\n    2"), encoding="utf-8")
    changed, problems = update(page)
    assert (changed, problems) == (2, [])
    assert page.read_text(encoding="utf-8") == PAGE.format(first="True 42", second="    0\n    1")


def test_a_current_page_is_left_alone(tmp_path):
    page = tmp_path / "page.md"
    text = PAGE.format(first="True 42", second="    0\n    1")
    page.write_text(text, encoding="utf-8")
    assert update(page) == (0, [])
    assert page.read_text(encoding="utf-8") == text


def test_a_failing_block_is_reported_not_rewritten(tmp_path):
    page = tmp_path / "page.md"
    text = PAGE.format(first="True 41", second="    0\n    1").replace("6 * 7", "6 / 0")
    page.write_text(text, encoding="utf-8")
    changed, problems = update(page)
    assert changed == 0 and len(problems) == 1 and "ZeroDivisionError" in problems[0]
    assert page.read_text(encoding="utf-8") == text
