#pragma once

#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace retort {

/// A thin builder over onnx::GraphProto: unique value names, initialisers from tensors in the
/// graph's float type (FP32 or FP16), nodes with attributes. Internal to core/export.
///
///   OnnxGraph g(model.mutable_graph(), onnx::TensorProto::FLOAT);
///   std::string y = g.node("Sigmoid", {x}, "model.0/act");
class OnnxGraph
{
public:
    struct Attr
    {
        std::string name;
        onnx::AttributeProto proto;
    };
    static Attr attr(const std::string& name, int64_t value);
    static Attr attr(const std::string& name, float value);
    static Attr attr(const std::string& name, const std::string& value);
    static Attr attr(const std::string& name, const std::vector<int64_t>& values);

    OnnxGraph(onnx::GraphProto* graph, int32_t floatType) : m_graph(graph), m_floatType(floatType) {}

    /// Adds a node with one output; returns the output name (`name` made unique).
    std::string node(const std::string& op, const std::vector<std::string>& inputs, const std::string& name,
                     const std::vector<Attr>& attrs = {});
    /// Adds a node with `outputs` outputs; returns their names.
    std::vector<std::string> nodeN(const std::string& op, const std::vector<std::string>& inputs,
                                   const std::string& name, int outputs, const std::vector<Attr>& attrs = {});

    /// Initialiser in the graph's float type (converted from any float tensor).
    std::string weight(const std::string& name, const torch::Tensor& t);
    /// Initialiser kept in FP32 whatever the graph type (e.g. Resize scales).
    std::string float32(const std::string& name, const std::vector<float>& values, const std::vector<int64_t>& dims);
    std::string int64(const std::string& name, const std::vector<int64_t>& values, bool scalar = false);

    void input(const std::string& name, int32_t type, const std::vector<std::string>& dims);
    void output(const std::string& name, int32_t type, const std::vector<std::string>& dims);
    int32_t floatType() const { return m_floatType; }

private:
    std::string unique(const std::string& name);
    void addTensor(const std::string& name, int32_t type, const std::vector<int64_t>& dims, const std::string& raw);
    static void setType(onnx::ValueInfoProto* info, int32_t type, const std::vector<std::string>& dims);

    onnx::GraphProto* m_graph;
    int32_t m_floatType;
    std::map<std::string, int> m_used;
};

} // namespace retort
