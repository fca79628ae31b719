target_sources(retort_core PRIVATE
  data/letterbox.h data/letterbox.cpp
  data/dataconfig.h data/dataconfig.cpp
  data/labels.h data/labels.cpp
)
