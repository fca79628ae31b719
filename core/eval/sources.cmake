target_sources(retort_core PRIVATE
  eval/detection.h
  eval/nms.h eval/nms.cpp
  eval/predictor.h eval/predictor.cpp
)
