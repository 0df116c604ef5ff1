"""Headless core of Workbench.

Nothing in this package imports Qt or pyqtgraph, and TensorFlow/Keras are only
imported inside the functions that build, train, load or run models, so
``import workbench.core`` stays fast.
"""
