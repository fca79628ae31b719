retort_add_test(tst_safetensors SOURCES core/tst_safetensors.cpp LABELS unit)
retort_add_test(tst_weights SOURCES core/tst_weights.cpp LABELS parity)
retort_add_test(tst_ptcheckpoint SOURCES core/tst_ptcheckpoint.cpp core/ptwriter.h LABELS unit parity)
retort_add_test(tst_ptfuzz SOURCES core/tst_ptfuzz.cpp core/ptwriter.h LABELS unit TIMEOUT 300)
