#pragma once

#include <torch/types.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace retort::pickle {

enum class Kind
{
    None,
    Bool,
    Int,
    BigInt,   ///< an integer beyond 64 bits (kept inert)
    Float,
    Str,
    Bytes,
    Tuple,
    List,
    Dict,
    Set,
    Global,   ///< an inert class or function reference: `text` = "module.name"
    Object,   ///< what REDUCE / NEWOBJ / INST / OBJ / BUILD made of a non-allow-listed callable
    Storage,  ///< a torch storage named by a persistent id (bytes are not read here)
    Tensor,   ///< a tensor rebuild (torch._utils._rebuild_tensor_v2 / _rebuild_parameter)
};

/// One value of an unpickled graph. Values are owned by their Pickle and refer to each other
/// by pointer; the graph may share nodes and even hold cycles (walk it with a depth limit).
struct Value
{
    Kind kind = Kind::None;
    bool flag = false;     ///< Bool; Tensor: was a Parameter
    int64_t integer = 0;   ///< Int; Storage: numel; Tensor: storage offset
    double real = 0;       ///< Float
    std::string text;      ///< Str, Bytes; Global: "module.name"; Storage: record key
    std::vector<const Value*> items;                             ///< Tuple, List, Set; Object: appended items
    std::vector<std::pair<const Value*, const Value*>> entries;  ///< Dict (file order); Object: set items
    const Value* cls = nullptr;    ///< Object: the callable; Storage: the storage type (a Global)
    const Value* args = nullptr;   ///< Object: its arguments
    const Value* state = nullptr;  ///< Object: the BUILD state
    const Value* storage = nullptr;               ///< Tensor
    std::vector<int64_t> sizes, strides;          ///< Tensor
    torch::ScalarType dtype = torch::kFloat;      ///< Storage, when `known`
    bool known = false;                           ///< Storage: a dtype Retort reads

    bool is(Kind k) const { return kind == k; }
    bool isNone() const { return kind == Kind::None; }
    /// The value of `key` (a str) in a Dict or an Object's set items; the last one wins; nullptr if absent.
    const Value* get(std::string_view key) const;
    /// "module.name" of a Global, of an Object's class; empty otherwise.
    std::string className() const;
    /// A short description for messages: "a str", "a reference to os.system", "a tensor", ….
    std::string describe() const;
};

/// Guards against hostile input; the defaults are far above what any real checkpoint needs
/// (the official yolov8s.pt pickle makes about 40k values). Every value costs one opcode byte
/// at least, so memory stays proportional to the pickle, and at most maxValues x ~200 bytes.
struct Limits
{
    size_t maxValues = 1u << 20;     ///< values created
    size_t maxStack = 1u << 20;      ///< stack entries
    size_t maxMarks = 1u << 16;      ///< open MARKs
    size_t maxMemo = 1u << 20;       ///< memo entries
};

/// The result of unpickling: the root value and the storage of every value it reaches.
class Pickle
{
public:
    const Value* root() const { return m_root; }
    size_t size() const { return m_values.size(); }

private:
    friend class Machine;
    friend Pickle unpickle(std::string_view, const std::string&, const Limits&);
    std::deque<Value> m_values;
    const Value* m_root = nullptr;
};

/// Runs a pickle (protocols 0-5 except out-of-band buffers and the extension registry) in a VM
/// that executes nothing: GLOBAL / STACK_GLOBAL yield inert references; REDUCE, NEWOBJ and BUILD
/// record generic objects; only an allow-list is interpreted: torch._utils._rebuild_tensor(_v2),
/// _rebuild_parameter(_with_state), torch.<T>Storage persistent ids, torch.Size,
/// collections.OrderedDict, builtins.set / frozenset (and their Python 2 names).
/// Any malformation or limit exceeded throws InputError naming `origin` and the byte offset.
///
///   Pickle p = unpickle(zip.record("yolov8n/data.pkl"), "yolov8n.pt");
///   const Value* model = p.root()->get("model");
Pickle unpickle(std::string_view bytes, const std::string& origin, const Limits& limits = {});

/// The value as JSON text for metadata: dicts with str/int keys become objects, tuples, lists
/// and sets arrays, pathlib paths strings, other objects and references "<module.name>",
/// tensors "<tensor>". Throws InputError naming `origin` past `maxDepth` levels or `maxBytes`
/// of output (shared nodes are written each time they occur, so a small pickle can expand).
std::string toJson(const Value& v, const std::string& origin, size_t maxBytes = 1u << 20, int maxDepth = 64);

} // namespace retort::pickle
