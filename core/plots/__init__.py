"""Every plotly figure: training curves, report figures, health charts and comparison charts.

May import: the kernel only. Never torch.
"""
