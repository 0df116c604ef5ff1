"""Qt front end of Workbench (PySide6 + pyqtgraph).

``workbench.gui.app.main()`` opens the window. The pages share one
:class:`~workbench.gui.state.AppState` and one :class:`~workbench.gui.tasks.TaskRunner`.
Importing this package applies :mod:`workbench.gui._pyside_fix`.
"""

from workbench.gui import _pyside_fix  # noqa: F401  (applied on import)
