target_sources(retort_core PRIVATE
  viz/render.h viz/render.cpp
  viz/heatmap.h viz/heatmap.cpp
  viz/attention.h viz/attention.cpp
  viz/featureadapter.h viz/featureadapter.cpp
)
