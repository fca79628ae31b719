target_sources(retort_core PRIVATE
  export/onnxgraph.h export/onnxgraph.cpp
  export/onnxexporter.h export/onnxexporter.cpp
)
