"""Web maps: images for tiled and WMS clients, drawn without matplotlib.

A map image is a ``Target`` (a CRS, a box in it, a size) filled from one field: each pixel
takes the value of the source cell nearest its centre (an index table per grid and target,
built once and cached), coloured through a palette of bands (``MapStyle``) and written as an
indexed PNG. ``render.run`` does it in a worker of the plot pool.
"""
