retort_add_test(tst_safetensors SOURCES core/tst_safetensors.cpp LABELS unit)
retort_add_test(tst_weights SOURCES core/tst_weights.cpp LABELS parity)
