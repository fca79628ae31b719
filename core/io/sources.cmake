target_sources(retort_core PRIVATE
  io/safetensors.h io/safetensors.cpp
  io/weights.h io/weights.cpp
  io/zipreader.h io/zipreader.cpp
  io/pickle.h io/pickle.cpp
  io/ptcheckpoint.h io/ptcheckpoint.cpp
)
