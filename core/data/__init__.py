"""Everything about a dataset before training: reading uploads (formats, encodings, columns, labels),
the health report and its fixes, the content-hashed dataset library, splits, built-in examples and the Hub loader.

May import: the kernel (core.config, core.store, core.paths, core.errors, core.text). Never torch.
"""
