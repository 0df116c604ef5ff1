"""Qt front end of Workbench (PySide6 + pyqtgraph).

``workbench.gui.app.main()`` opens the window. The pages share one
:class:`~workbench.gui.state.AppState` and one :class:`~workbench.gui.tasks.TaskRunner`.
PySide6 is pinned below 6.12 in pyproject.toml: 6.12.0 on Python 3.11 drops a
reference to ``True`` on every signal emitted from Python and aborts after a few
hundred emits.
"""
