retort_add_test(tst_onnxexport SOURCES core/tst_onnxexport.cpp LABELS parity slow)

# ONNX Runtime runs the export (node + onnxruntime-node, installed into the build tree on first
# use); exit 77 = skipped (no npm/network, no reference data).
find_program(RETORT_NODE node)
if(RETORT_NODE)
  add_test(NAME ort_check COMMAND ${RETORT_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/onnx/ort_check.mjs
    --cli $<TARGET_FILE:retort-cli>
    --weights ${RETORT_SHARED_DATA}/weights/yolov8n.safetensors
    --yolo11 ${RETORT_SHARED_DATA}/weights/yolo11n_rand.safetensors
    --yolo26 ${RETORT_SHARED_DATA}/weights/yolo26n_rand.safetensors
    --image ${RETORT_SHARED_DATA}/images/bus.jpg
    --work ${PROJECT_BINARY_DIR}/onnx-check
    --modules ${PROJECT_BINARY_DIR}/onnx-node)
  set_tests_properties(ort_check PROPERTIES LABELS "parity;slow" SKIP_RETURN_CODE 77 TIMEOUT 900)
else()
  message(STATUS "node not found: the ONNX Runtime check (ort_check) is not registered")
endif()
