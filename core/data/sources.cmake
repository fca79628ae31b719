target_sources(retort_core PRIVATE
  data/letterbox.h data/letterbox.cpp
)
