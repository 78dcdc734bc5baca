"""perfdoc: 财政项目支出绩效 forms drafted as YAML specs in git, printed as official Word tables."""
__version__ = "0.1.0"
