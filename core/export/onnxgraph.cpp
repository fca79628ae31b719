#include "export/onnxgraph.h"

#include <algorithm>
#include <cctype>

namespace retort {

OnnxGraph::Attr OnnxGraph::attr(const std::string& name, int64_t value)
{
    Attr a{name, {}};
    a.proto.set_name(name);
    a.proto.set_type(onnx::AttributeProto::INT);
    a.proto.set_i(value);
    return a;
}

OnnxGraph::Attr OnnxGraph::attr(const std::string& name, float value)
{
    Attr a{name, {}};
    a.proto.set_name(name);
    a.proto.set_type(onnx::AttributeProto::FLOAT);
    a.proto.set_f(value);
    return a;
}

OnnxGraph::Attr OnnxGraph::attr(const std::string& name, const std::string& value)
{
    Attr a{name, {}};
    a.proto.set_name(name);
    a.proto.set_type(onnx::AttributeProto::STRING);
    a.proto.set_s(value);
    return a;
}

OnnxGraph::Attr OnnxGraph::attr(const std::string& name, const std::vector<int64_t>& values)
{
    Attr a{name, {}};
    a.proto.set_name(name);
    a.proto.set_type(onnx::AttributeProto::INTS);
    for (const int64_t v : values)
        a.proto.add_ints(v);
    return a;
}

std::string OnnxGraph::unique(const std::string& name)
{
    const int n = m_used[name]++;
    return n == 0 ? name : name + "_" + std::to_string(n);
}

std::vector<std::string> OnnxGraph::nodeN(const std::string& op, const std::vector<std::string>& inputs,
                                          const std::string& name, int outputs, const std::vector<Attr>& attrs)
{
    const std::string nodeName = unique(name + "/" + op);
    auto* n = m_graph->add_node();
    n->set_op_type(op);
    n->set_name(nodeName);
    for (const auto& in : inputs)
        n->add_input(in);
    std::vector<std::string> outs;
    for (int i = 0; i < outputs; ++i) {
        outs.push_back(nodeName + "_output_" + std::to_string(i));
        n->add_output(outs.back());
    }
    for (const auto& a : attrs)
        *n->add_attribute() = a.proto;
    return outs;
}

std::string OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs, const std::string& name,
                            const std::vector<Attr>& attrs)
{
    return nodeN(op, inputs, name, 1, attrs)[0];
}

void OnnxGraph::addTensor(const std::string& name, int32_t type, const std::vector<int64_t>& dims, const std::string& raw)
{
    auto* t = m_graph->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (const int64_t d : dims)
        t->add_dims(d);
    t->set_raw_data(raw);
}

std::string OnnxGraph::weight(const std::string& name, const torch::Tensor& t)
{
    const std::string id = unique(name);
    const bool half = m_floatType == onnx::TensorProto::FLOAT16;
    const auto c = t.detach().to(torch::kCPU, half ? torch::kHalf : torch::kFloat).contiguous();
    addTensor(id, m_floatType, c.sizes().vec(),
              std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
    return id;
}

std::string OnnxGraph::float32(const std::string& name, const std::vector<float>& values, const std::vector<int64_t>& dims)
{
    const std::string id = unique(name);
    addTensor(id, onnx::TensorProto::FLOAT, dims,
              std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return id;
}

std::string OnnxGraph::int64(const std::string& name, const std::vector<int64_t>& values, bool scalar)
{
    const std::string id = unique(name);
    const std::vector<int64_t> dims = scalar ? std::vector<int64_t>{} : std::vector<int64_t>{int64_t(values.size())};
    addTensor(id, onnx::TensorProto::INT64, dims,
              std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t)));
    return id;
}

void OnnxGraph::setType(onnx::ValueInfoProto* info, int32_t type, const std::vector<std::string>& dims)
{
    auto* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(type);
    auto* shape = tensor->mutable_shape();
    for (const auto& d : dims) {
        auto* dim = shape->add_dim();
        if (!d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            dim->set_dim_value(std::stoll(d));
        else
            dim->set_dim_param(d);
    }
}

void OnnxGraph::input(const std::string& name, int32_t type, const std::vector<std::string>& dims)
{
    auto* info = m_graph->add_input();
    info->set_name(name);
    setType(info, type, dims);
}

void OnnxGraph::output(const std::string& name, int32_t type, const std::vector<std::string>& dims)
{
    auto* info = m_graph->add_output();
    info->set_name(name);
    setType(info, type, dims);
}

} // namespace retort
