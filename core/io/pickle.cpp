#include "io/pickle.h"

#include "util/error.h"
#include "util/json.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace retort::pickle {

const Value* Value::get(std::string_view key) const
{
    if (kind != Kind::Dict && kind != Kind::Object)
        return nullptr;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (it->first->kind == Kind::Str && it->first->text == key)
            return it->second;
    return nullptr;
}

std::string Value::className() const
{
    if (kind == Kind::Global)
        return text;
    if (kind == Kind::Object && cls && cls->kind == Kind::Global)
        return cls->text;
    return {};
}

std::string Value::describe() const
{
    switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "a bool";
    case Kind::Int:
    case Kind::BigInt: return "an int";
    case Kind::Float: return "a float";
    case Kind::Str: return "a str";
    case Kind::Bytes: return "bytes";
    case Kind::Tuple: return "a tuple";
    case Kind::List: return "a list";
    case Kind::Dict: return "a dict";
    case Kind::Set: return "a set";
    case Kind::Global: return "a reference to " + text;
    case Kind::Object: return className().empty() ? "an object of an unnamed callable" : "an object of " + className();
    case Kind::Storage: return "a storage";
    case Kind::Tensor: return "a tensor";
    }
    return "a value";
}

namespace {

struct StorageType
{
    const char* name;
    torch::ScalarType dtype;
};

// The storages Retort reads; any other torch.*Storage stays a storage of unknown dtype.
const StorageType kStorageTypes[] = {
    {"torch.FloatStorage", torch::kFloat32},   {"torch.HalfStorage", torch::kFloat16},
    {"torch.BFloat16Storage", torch::kBFloat16}, {"torch.DoubleStorage", torch::kFloat64},
    {"torch.LongStorage", torch::kInt64},      {"torch.IntStorage", torch::kInt32},
    {"torch.ShortStorage", torch::kInt16},     {"torch.CharStorage", torch::kInt8},
    {"torch.ByteStorage", torch::kUInt8},      {"torch.BoolStorage", torch::kBool},
    {"torch.UntypedStorage", torch::kUInt8},
};

bool oneOf(const std::string& s, std::initializer_list<const char*> names)
{
    for (const char* n : names)
        if (s == n)
            return true;
    return false;
}

} // namespace

/// The interpreter. A stack of value pointers with MARK positions and a memo; values live in
/// the Pickle's deque, so pointers stay valid and nothing is freed until the Pickle goes.
class Machine
{
public:
    Machine(std::string_view bytes, const std::string& origin, const Limits& limits, Pickle& out)
        : m_b(bytes), m_origin(origin), m_limits(limits), m_out(out)
    {
    }

    const Value* run();

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw InputError(m_origin + ": pickle byte " + std::to_string(m_op) + ": " + what);
    }

    Value* make(Kind k)
    {
        if (m_out.m_values.size() >= m_limits.maxValues)
            fail("more than " + std::to_string(m_limits.maxValues) + " values");
        m_out.m_values.emplace_back();
        Value* v = &m_out.m_values.back();
        v->kind = k;
        return v;
    }

    // Reading the byte stream.
    uint64_t le(size_t n)
    {
        need(n);
        uint64_t v = 0;
        for (size_t i = n; i-- > 0;)
            v = (v << 8) | static_cast<unsigned char>(m_b[m_pos + i]);
        m_pos += n;
        return v;
    }
    void need(uint64_t n) const
    {
        if (n > m_b.size() - m_pos)
            fail("needs " + std::to_string(n) + " bytes but only " + std::to_string(m_b.size() - m_pos) +
                 " remain (truncated?)");
    }
    std::string_view take(uint64_t n)
    {
        need(n);
        const std::string_view s = m_b.substr(m_pos, n);
        m_pos += n;
        return s;
    }
    std::string line()
    {
        const size_t nl = m_b.find('\n', m_pos);
        if (nl == std::string_view::npos)
            fail("unterminated text argument");
        std::string s(m_b.substr(m_pos, nl - m_pos));
        m_pos = nl + 1;
        if (!s.empty() && s.back() == '\r')
            s.pop_back();
        return s;
    }

    // The stack.
    void push(Value* v)
    {
        if (m_stack.size() >= m_limits.maxStack)
            fail("stack deeper than " + std::to_string(m_limits.maxStack));
        m_stack.push_back(v);
    }
    size_t floor() const { return m_marks.empty() ? 0 : m_marks.back(); }
    Value* pop()
    {
        if (m_stack.size() <= floor())
            fail("stack underflow");
        Value* v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    Value* top()
    {
        if (m_stack.size() <= floor())
            fail("stack underflow");
        return m_stack.back();
    }
    std::vector<Value*> popMark()
    {
        if (m_marks.empty())
            fail("no MARK to pop to");
        const size_t at = m_marks.back();
        m_marks.pop_back();
        std::vector<Value*> items(m_stack.begin() + static_cast<std::ptrdiff_t>(at), m_stack.end());
        m_stack.resize(at);
        return items;
    }

    void memoPut(uint64_t index)
    {
        Value* v = top();
        if (m_memo.size() >= m_limits.maxMemo && !m_memo.count(index))
            fail("memo larger than " + std::to_string(m_limits.maxMemo) + " entries");
        m_memo[index] = v;
    }
    void memoGet(uint64_t index)
    {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            fail("memo entry " + std::to_string(index) + " was never stored");
        push(it->second);
    }

    Value* integer(int64_t i)
    {
        Value* v = make(Kind::Int);
        v->integer = i;
        return v;
    }
    Value* text(Kind k, std::string_view s)
    {
        Value* v = make(k);
        v->text.assign(s.data(), s.size());
        return v;
    }
    Value* sequence(Kind k, std::vector<Value*> items)
    {
        Value* v = make(k);
        v->items.assign(items.begin(), items.end());
        return v;
    }
    Value* global(const std::string& module, const std::string& name)
    {
        Value* v = make(Kind::Global);
        v->text = module + "." + name;
        return v;
    }
    Value* longInt(std::string_view bytes);
    Value* textInt(const std::string& s, bool isLong);

    void append(Value* target, const std::vector<Value*>& items);
    void setItems(Value* target, const std::vector<Value*>& kv);
    void addItems(Value* target, const std::vector<Value*>& items);
    Value* reduce(Value* callable, Value* args);
    Value* rebuildTensor(const Value* args);
    Value* persistent(Value* pid);
    Value* object(Value* cls, Value* args);

    std::string_view m_b;
    const std::string& m_origin;
    const Limits& m_limits;
    Pickle& m_out;
    size_t m_pos = 0;
    size_t m_op = 0;
    std::vector<Value*> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, Value*> m_memo;
};

Value* Machine::longInt(std::string_view bytes)
{
    if (bytes.size() > 8)
        return make(Kind::BigInt);
    uint64_t v = 0;
    for (size_t i = bytes.size(); i-- > 0;)
        v = (v << 8) | static_cast<unsigned char>(bytes[i]);
    if (!bytes.empty() && bytes.size() < 8 && (static_cast<unsigned char>(bytes.back()) & 0x80))
        v |= ~uint64_t(0) << (8 * bytes.size()); // sign-extend
    int64_t s;
    std::memcpy(&s, &v, sizeof s);
    return integer(s);
}

Value* Machine::textInt(const std::string& s0, bool isLong)
{
    std::string s = s0;
    if (isLong && !s.empty() && s.back() == 'L')
        s.pop_back();
    if (!isLong && (s == "00" || s == "01")) {
        Value* b = make(Kind::Bool);
        b->flag = s == "01";
        return b;
    }
    const size_t digits = s.find_first_not_of("0123456789", !s.empty() && s[0] == '-' ? 1 : 0);
    if (s.empty() || s == "-" || digits != std::string::npos)
        fail("malformed integer '" + s.substr(0, 40) + "'");
    if (s.size() > 18)
        return make(Kind::BigInt);
    try {
        return integer(std::stoll(s));
    } catch (const std::exception&) {
        fail("malformed integer '" + s + "'");
    }
}

void Machine::append(Value* target, const std::vector<Value*>& items)
{
    if (target->kind == Kind::List || target->kind == Kind::Object)
        target->items.insert(target->items.end(), items.begin(), items.end());
    else
        fail("APPEND to " + target->describe());
}

void Machine::setItems(Value* target, const std::vector<Value*>& kv)
{
    if (kv.size() % 2)
        fail("SETITEMS with an odd number of items");
    if (target->kind != Kind::Dict && target->kind != Kind::Object)
        fail("SETITEM on " + target->describe());
    for (size_t i = 0; i < kv.size(); i += 2)
        target->entries.emplace_back(kv[i], kv[i + 1]);
}

void Machine::addItems(Value* target, const std::vector<Value*>& items)
{
    if (target->kind != Kind::Set && target->kind != Kind::Object)
        fail("ADDITEMS to " + target->describe());
    target->items.insert(target->items.end(), items.begin(), items.end());
}

Value* Machine::object(Value* cls, Value* args)
{
    Value* v = make(Kind::Object);
    v->cls = cls;
    v->args = args;
    return v;
}

Value* Machine::persistent(Value* pid)
{
    // torch.save: ('storage', torch.<T>Storage, key, location, numel)
    if (pid->kind != Kind::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Kind::Str ||
        pid->items[0]->text != "storage")
        fail("unsupported persistent id (" + pid->describe() + "; torch.save writes ('storage', …))");
    const Value* type = pid->items[1];
    const Value* key = pid->items[2];
    const Value* numel = pid->items[4];
    if (type->kind != Kind::Global || key->kind != Kind::Str || numel->kind != Kind::Int || numel->integer < 0)
        fail("malformed storage persistent id");
    Value* s = make(Kind::Storage);
    s->cls = type;
    s->text = key->text;
    s->integer = numel->integer;
    for (const auto& t : kStorageTypes)
        if (type->text == t.name) {
            s->dtype = t.dtype;
            s->known = true;
        }
    return s;
}

Value* Machine::rebuildTensor(const Value* args)
{
    // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
    if (args->kind != Kind::Tuple || args->items.size() < 4)
        fail("tensor rebuild needs (storage, offset, size, stride)");
    const Value* storage = args->items[0];
    const Value* offset = args->items[1];
    const Value* size = args->items[2];
    const Value* stride = args->items[3];
    if (storage->kind != Kind::Storage)
        fail("tensor rebuild from " + storage->describe() + " instead of a storage");
    if (offset->kind != Kind::Int)
        fail("tensor storage offset is " + offset->describe());
    const bool seq = (size->kind == Kind::Tuple || size->kind == Kind::List) &&
                     (stride->kind == Kind::Tuple || stride->kind == Kind::List);
    if (!seq || size->items.size() != stride->items.size())
        fail("tensor size and stride must be tuples of the same length");
    Value* t = make(Kind::Tensor);
    t->storage = storage;
    t->integer = offset->integer;
    for (size_t i = 0; i < size->items.size(); ++i) {
        if (size->items[i]->kind != Kind::Int || stride->items[i]->kind != Kind::Int)
            fail("tensor size and stride must hold integers");
        t->sizes.push_back(size->items[i]->integer);
        t->strides.push_back(stride->items[i]->integer);
    }
    return t;
}

Value* Machine::reduce(Value* callable, Value* args)
{
    const std::string name = callable->kind == Kind::Global ? callable->text : std::string();
    if (args->kind != Kind::Tuple)
        fail("REDUCE arguments are " + args->describe() + ", not a tuple");
    const auto& a = args->items;
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
        return rebuildTensor(args);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (a.empty() || a[0]->kind != Kind::Tensor)
            fail(name + " of " + (a.empty() ? std::string("nothing") : a[0]->describe()));
        Value* t = make(Kind::Tensor);
        *t = *a[0];
        t->flag = true;
        return t;
    }
    if (name == "collections.OrderedDict") {
        Value* d = make(Kind::Dict);
        if (!a.empty() && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple))
            for (const Value* pair : a[0]->items) {
                if (pair->kind != Kind::Tuple || pair->items.size() != 2)
                    fail("OrderedDict items must be (key, value) pairs");
                d->entries.emplace_back(pair->items[0], pair->items[1]);
            }
        return d;
    }
    if (oneOf(name, {"builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset"})) {
        Value* s = make(Kind::Set);
        if (!a.empty() && (a[0]->kind == Kind::List || a[0]->kind == Kind::Tuple || a[0]->kind == Kind::Set))
            s->items = a[0]->items;
        return s;
    }
    if (name == "torch.Size") {
        if (a.size() != 1 || (a[0]->kind != Kind::List && a[0]->kind != Kind::Tuple))
            fail("torch.Size needs one sequence");
        Value* t = make(Kind::Tuple);
        t->items = a[0]->items;
        return t;
    }
    return object(callable, args);
}

const Value* Machine::run()
{
    while (true) {
        m_op = m_pos;
        if (m_pos >= m_b.size())
            fail("ended without STOP (truncated?)");
        const auto op = static_cast<unsigned char>(m_b[m_pos++]);
        switch (op) {
        case 0x80: // PROTO
            if (le(1) > 5)
                fail("pickle protocol above 5");
            break;
        case 0x95: // FRAME
            need(le(8));
            break;
        case '.': // STOP
        {
            Value* v = pop();
            return v;
        }
        case '(': // MARK
            if (m_marks.size() >= m_limits.maxMarks)
                fail("more than " + std::to_string(m_limits.maxMarks) + " nested MARKs");
            m_marks.push_back(m_stack.size());
            break;
        case '0': // POP
            if (m_stack.size() > floor())
                m_stack.pop_back();
            else
                popMark();
            break;
        case '1': // POP_MARK
            popMark();
            break;
        case '2': // DUP
            push(top());
            break;
        case 'N': push(make(Kind::None)); break;
        case 0x88:
        case 0x89: { // NEWTRUE, NEWFALSE
            Value* b = make(Kind::Bool);
            b->flag = op == 0x88;
            push(b);
            break;
        }
        case 'J': { // BININT
            const auto u = static_cast<uint32_t>(le(4));
            int32_t s;
            std::memcpy(&s, &u, sizeof s);
            push(integer(s));
            break;
        }
        case 'K': push(integer(static_cast<int64_t>(le(1)))); break;   // BININT1
        case 'M': push(integer(static_cast<int64_t>(le(2)))); break;   // BININT2
        case 0x8a: push(longInt(take(le(1)))); break;                  // LONG1
        case 0x8b: {                                                   // LONG4
            const uint64_t n = le(4);
            if (n & 0x80000000u)
                fail("negative LONG4 length");
            push(longInt(take(n)));
            break;
        }
        case 'I': push(textInt(line(), false)); break; // INT
        case 'L': push(textInt(line(), true)); break;  // LONG
        case 'G': {                                    // BINFLOAT (big-endian)
            need(8);
            uint64_t u = 0;
            for (int i = 0; i < 8; ++i)
                u = (u << 8) | static_cast<unsigned char>(m_b[m_pos + static_cast<size_t>(i)]);
            m_pos += 8;
            Value* f = make(Kind::Float);
            std::memcpy(&f->real, &u, sizeof u);
            push(f);
            break;
        }
        case 'F': { // FLOAT
            const std::string s = line();
            Value* f = make(Kind::Float);
            char* end = nullptr;
            f->real = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size())
                fail("malformed float '" + s.substr(0, 40) + "'");
            push(f);
            break;
        }
        case 'X': push(text(Kind::Str, take(le(4)))); break;    // BINUNICODE
        case 0x8c: push(text(Kind::Str, take(le(1)))); break;   // SHORT_BINUNICODE
        case 0x8d: push(text(Kind::Str, take(le(8)))); break;   // BINUNICODE8
        case 'V': push(text(Kind::Str, line())); break;         // UNICODE (raw-unicode-escape; kept as is)
        case 'T': {                                             // BINSTRING
            const uint64_t n = le(4);
            if (n & 0x80000000u)
                fail("negative BINSTRING length");
            push(text(Kind::Str, take(n)));
            break;
        }
        case 'U': push(text(Kind::Str, take(le(1)))); break; // SHORT_BINSTRING
        case 'S': {                                          // STRING (a quoted repr)
            std::string s = line();
            if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
                fail("STRING argument is not quoted");
            push(text(Kind::Str, std::string_view(s).substr(1, s.size() - 2)));
            break;
        }
        case 'B': push(text(Kind::Bytes, take(le(4)))); break;    // BINBYTES
        case 'C': push(text(Kind::Bytes, take(le(1)))); break;    // SHORT_BINBYTES
        case 0x8e:                                                // BINBYTES8
        case 0x96: push(text(Kind::Bytes, take(le(8)))); break;   // BYTEARRAY8
        case ')': push(make(Kind::Tuple)); break;                 // EMPTY_TUPLE
        case 't': push(sequence(Kind::Tuple, popMark())); break;  // TUPLE
        case 0x85:
        case 0x86:
        case 0x87: { // TUPLE1..3
            const size_t n = op - 0x84u;
            std::vector<Value*> items(n);
            for (size_t i = n; i-- > 0;)
                items[i] = pop();
            push(sequence(Kind::Tuple, std::move(items)));
            break;
        }
        case ']': push(make(Kind::List)); break;                // EMPTY_LIST
        case 'l': push(sequence(Kind::List, popMark())); break; // LIST
        case 'a': {                                             // APPEND
            Value* v = pop();
            append(top(), {v});
            break;
        }
        case 'e': { // APPENDS
            std::vector<Value*> items = popMark();
            append(top(), items);
            break;
        }
        case '}': push(make(Kind::Dict)); break; // EMPTY_DICT
        case 'd': {                              // DICT
            Value* d = make(Kind::Dict);
            setItems(d, popMark());
            push(d);
            break;
        }
        case 's': { // SETITEM
            Value* v = pop();
            Value* k = pop();
            setItems(top(), {k, v});
            break;
        }
        case 'u': { // SETITEMS
            std::vector<Value*> kv = popMark();
            setItems(top(), kv);
            break;
        }
        case 0x8f: push(make(Kind::Set)); break; // EMPTY_SET
        case 0x90: {                             // ADDITEMS
            std::vector<Value*> items = popMark();
            addItems(top(), items);
            break;
        }
        case 0x91: push(sequence(Kind::Set, popMark())); break; // FROZENSET
        case 'g': {                                             // GET
            const std::string s = line();
            if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
                fail("malformed GET index");
            memoGet(std::stoull(s));
            break;
        }
        case 'h': memoGet(le(1)); break; // BINGET
        case 'j': memoGet(le(4)); break; // LONG_BINGET
        case 'p': {                      // PUT
            const std::string s = line();
            if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
                fail("malformed PUT index");
            memoPut(std::stoull(s));
            break;
        }
        case 'q': memoPut(le(1)); break;           // BINPUT
        case 'r': memoPut(le(4)); break;           // LONG_BINPUT
        case 0x94: memoPut(m_memo.size()); break;  // MEMOIZE
        case 'c': {                                // GLOBAL
            const std::string module = line();
            const std::string name = line();
            push(global(module, name));
            break;
        }
        case 0x93: { // STACK_GLOBAL
            Value* name = pop();
            Value* module = pop();
            if (name->kind != Kind::Str || module->kind != Kind::Str)
                fail("STACK_GLOBAL needs two strs");
            push(global(module->text, name->text));
            break;
        }
        case 'R': { // REDUCE
            Value* args = pop();
            Value* callable = pop();
            push(reduce(callable, args));
            break;
        }
        case 0x81: { // NEWOBJ
            Value* args = pop();
            Value* cls = pop();
            push(object(cls, args));
            break;
        }
        case 0x92: { // NEWOBJ_EX
            pop();   // kwargs
            Value* args = pop();
            Value* cls = pop();
            push(object(cls, args));
            break;
        }
        case 'i': { // INST
            const std::string module = line();
            const std::string name = line();
            Value* args = sequence(Kind::Tuple, popMark());
            push(object(global(module, name), args));
            break;
        }
        case 'o': { // OBJ
            std::vector<Value*> items = popMark();
            if (items.empty())
                fail("OBJ without a class");
            Value* cls = items.front();
            items.erase(items.begin());
            push(object(cls, sequence(Kind::Tuple, std::move(items))));
            break;
        }
        case 'b': { // BUILD
            Value* state = pop();
            Value* target = top();
            // Attributes of an allow-listed container (a state_dict's `_metadata`) or a tensor
            // subclass are not needed and dropped; anything else keeps its state.
            if (target->kind == Kind::Object)
                target->state = state;
            else if (target->kind != Kind::Tensor && target->kind != Kind::Dict && target->kind != Kind::Set &&
                     target->kind != Kind::List)
                fail("BUILD on " + target->describe());
            break;
        }
        case 'Q': push(persistent(pop())); break; // BINPERSID
        case 'P':                                 // PERSID
            fail("text persistent ids are not torch storages");
        case 0x82:
        case 0x83:
        case 0x84: fail("the extension registry (EXT1/2/4) is not supported");
        case 0x97:
        case 0x98: fail("out-of-band buffers (protocol 5) are not supported");
        default: {
            static const char* kHex = "0123456789abcdef";
            fail(std::string("unknown opcode 0x") + kHex[op >> 4] + kHex[op & 15]);
        }
        }
    }
}

namespace {

std::string number(double d)
{
    if (!std::isfinite(d))
        return "null";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eE") == std::string::npos)
        s += ".0";
    return s;
}

void writeJson(const Value& v, std::string& out, const std::string& origin, size_t maxBytes, int depth)
{
    if (depth <= 0)
        throw InputError(origin + ": a value nests too deeply to convert");
    if (out.size() > maxBytes)
        throw InputError(origin + ": a value expands to more than " + std::to_string(maxBytes) + " bytes");
    auto sequence = [&](const std::vector<const Value*>& items) {
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
            if (i)
                out += ", ";
            writeJson(*items[i], out, origin, maxBytes, depth - 1);
        }
        out += ']';
    };
    switch (v.kind) {
    case Kind::None: out += "null"; break;
    case Kind::Bool: out += v.flag ? "true" : "false"; break;
    case Kind::Int: out += std::to_string(v.integer); break;
    case Kind::BigInt: out += "null"; break;
    case Kind::Float: out += number(v.real); break;
    case Kind::Str: out += JsonWriter::quote(v.text); break;
    case Kind::Bytes: out += "\"<bytes>\""; break;
    case Kind::Tuple:
    case Kind::List:
    case Kind::Set: sequence(v.items); break;
    case Kind::Dict:
        out += '{';
        for (size_t i = 0; i < v.entries.size(); ++i) {
            const Value& k = *v.entries[i].first;
            if (i)
                out += ", ";
            if (k.kind == Kind::Str)
                out += JsonWriter::quote(k.text);
            else if (k.kind == Kind::Int)
                out += "\"" + std::to_string(k.integer) + "\"";
            else
                out += JsonWriter::quote("<" + k.describe() + ">");
            out += ": ";
            writeJson(*v.entries[i].second, out, origin, maxBytes, depth - 1);
        }
        out += '}';
        break;
    case Kind::Object: {
        const std::string cls = v.className();
        if (cls.rfind("pathlib.", 0) == 0 && v.args && v.args->kind == Kind::Tuple) {
            std::string path;
            for (const Value* part : v.args->items)
                if (part->kind == Kind::Str)
                    path += (path.empty() || path == "/" ? "" : "/") + part->text;
            out += JsonWriter::quote(path);
        } else {
            out += JsonWriter::quote("<" + (cls.empty() ? std::string("object") : cls) + ">");
        }
        break;
    }
    case Kind::Global: out += JsonWriter::quote("<" + v.text + ">"); break;
    case Kind::Storage: out += "\"<storage>\""; break;
    case Kind::Tensor: out += "\"<tensor>\""; break;
    }
}

} // namespace

std::string toJson(const Value& v, const std::string& origin, size_t maxBytes, int maxDepth)
{
    std::string out;
    writeJson(v, out, origin, maxBytes, maxDepth);
    if (out.size() > maxBytes)
        throw InputError(origin + ": a value expands to more than " + std::to_string(maxBytes) + " bytes");
    return out;
}

Pickle unpickle(std::string_view bytes, const std::string& origin, const Limits& limits)
{
    Pickle out;
    Machine m(bytes, origin, limits, out);
    out.m_root = m.run();
    return out;
}

} // namespace retort::pickle
