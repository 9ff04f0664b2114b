"""ipywidgets views of the course: each a pure `render(state) -> Figure` plus a thin UI."""
