target_sources(retort_core PRIVATE
  io/safetensors.h io/safetensors.cpp
  io/weights.h io/weights.cpp
)
