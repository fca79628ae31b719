target_sources(retort_core PRIVATE
  viz/render.h viz/render.cpp
)
