target_sources(retort_core PRIVATE
  eval/detection.h
  eval/nms.h eval/nms.cpp
  eval/predictor.h eval/predictor.cpp
  eval/metrics.h eval/metrics.cpp
  eval/validator.h eval/validator.cpp
  eval/detectionfilter.h eval/detectionfilter.cpp
)
