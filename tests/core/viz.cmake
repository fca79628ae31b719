retort_add_test(tst_attention SOURCES core/tst_attention.cpp LABELS unit)
