"""Every plotly figure: a run's training curves (curves), its report (confusion — the one confusion heatmap,
also used by the comparison —, classification_figures, reliability_figures), health charts
(health_figures), comparison charts (compare_figures), the shared per-class layout rules and 'not available'
figure (class_layout, placeholder), and the one font stack with CJK fonts that every figure sets (fonts).

May import: the kernel only. Never torch.
"""
