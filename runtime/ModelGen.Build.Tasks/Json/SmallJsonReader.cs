// The one JSON reader of ModelGen's build side. Compiled into the build task assembly (safetensors headers and
// index files), and linked as source into the generator (config.json) and the modelgen command (headers again), so
// all three accept exactly the same text. A reader of its own because the generator runs inside the compiler on
// netstandard2.0 and the task assembly inside MSBuild, where a System.Text.Json package beside them risks loading a
// second, conflicting copy. It keeps where every value is written, for diagnostics that point into the file.
#nullable enable
using System;
using System.Collections.Generic;
using System.Text;

namespace ModelGen.Json;

/// <summary>What a JSON value is.</summary>
internal enum SmallJsonKind
{
    /// <summary>An object: <see cref="SmallJsonValue.Members"/>.</summary>
    Object,

    /// <summary>An array: <see cref="SmallJsonValue.Items"/>.</summary>
    Array,

    /// <summary>A string: <see cref="SmallJsonValue.Text"/> is its decoded content.</summary>
    String,

    /// <summary>A number: <see cref="SmallJsonValue.Text"/> is its literal text, of any size.</summary>
    Number,

    /// <summary>The literal <c>true</c>.</summary>
    True,

    /// <summary>The literal <c>false</c>.</summary>
    False,

    /// <summary>The literal <c>null</c>.</summary>
    Null,
}

/// <summary>What a caller asks of otherwise valid JSON.</summary>
[Flags]
internal enum SmallJsonRules
{
    /// <summary>Any value at the root; an object may name a key twice (every member is kept, in order).</summary>
    None = 0,

    /// <summary>The root must be an object: anything else is "expected a JSON object" at its first character.</summary>
    ObjectRoot = 1,

    /// <summary>A key named twice in one object is "duplicate key" at the second one.</summary>
    RejectDuplicateKeys = 2,
}

/// <summary>One parsed value and where it is written in the text.</summary>
internal sealed class SmallJsonValue
{
    private static readonly SmallJsonMember[] NoMembers = new SmallJsonMember[0];
    private static readonly SmallJsonValue[] NoItems = new SmallJsonValue[0];

    private SmallJsonValue(SmallJsonKind kind, int start, int length, string text, IReadOnlyList<SmallJsonMember> members, IReadOnlyList<SmallJsonValue> items)
    {
        Kind = kind;
        Start = start;
        Length = length;
        Text = text;
        Members = members;
        Items = items;
    }

    /// <summary>A string, number or literal.</summary>
    public static SmallJsonValue Scalar(SmallJsonKind kind, int start, int length, string text) => new(kind, start, length, text, NoMembers, NoItems);

    /// <summary>An object with its members in the order written.</summary>
    public static SmallJsonValue Object(int start, int length, IReadOnlyList<SmallJsonMember> members) => new(SmallJsonKind.Object, start, length, "", members, NoItems);

    /// <summary>An array with its items.</summary>
    public static SmallJsonValue Array(int start, int length, IReadOnlyList<SmallJsonValue> items) => new(SmallJsonKind.Array, start, length, "", NoMembers, items);

    /// <summary>What the value is.</summary>
    public SmallJsonKind Kind { get; }

    /// <summary>Offset of the value's first character in the text (a string's opening quote).</summary>
    public int Start { get; }

    /// <summary>Characters from <see cref="Start"/> to the value's last one (a string's closing quote, an object's brace).</summary>
    public int Length { get; }

    /// <summary>A string's decoded content, a number's literal text, or <c>true</c>, <c>false</c>, <c>null</c>; empty for objects and arrays.</summary>
    public string Text { get; }

    /// <summary>An object's members in the order written (duplicates included unless rejected); empty otherwise.</summary>
    public IReadOnlyList<SmallJsonMember> Members { get; }

    /// <summary>An array's items; empty otherwise.</summary>
    public IReadOnlyList<SmallJsonValue> Items { get; }

    /// <summary>The value of an object's first member named <paramref name="name"/>, or null.</summary>
    public SmallJsonValue? Find(string name)
    {
        foreach (SmallJsonMember member in Members)
        {
            if (string.Equals(member.Name, name, StringComparison.Ordinal)) return member.Value;
        }
        return null;
    }
}

/// <summary>One member of an object: its decoded name, the offset of the name's opening quote, and its value.</summary>
internal readonly struct SmallJsonMember
{
    /// <summary>A member named <paramref name="name"/>, written from <paramref name="nameStart"/>, holding <paramref name="value"/>.</summary>
    public SmallJsonMember(string name, int nameStart, SmallJsonValue value)
    {
        Name = name;
        NameStart = nameStart;
        Value = value;
    }

    /// <summary>The decoded name.</summary>
    public string Name { get; }

    /// <summary>Offset of the name's opening quote.</summary>
    public int NameStart { get; }

    /// <summary>The member's value.</summary>
    public SmallJsonValue Value { get; }
}

/// <summary>The first error in a JSON text: what is wrong and the offset of the character where it was found.</summary>
internal sealed class SmallJsonException : Exception
{
    /// <summary>An error <paramref name="message"/> at <paramref name="offset"/>.</summary>
    public SmallJsonException(string message, int offset) : base(message) => Offset = offset;

    /// <summary>Offset in the text (the text's length when the text ended too early).</summary>
    public int Offset { get; }
}

/// <summary>
/// Reads standard JSON (RFC 8259): objects, arrays, strings with every escape (a surrogate pair is two <c>\u</c>
/// escapes), numbers in the standard grammar kept as written, true, false and null, separated by space, tab, CR or
/// LF. Values nested more than <see cref="MaxDepth"/> levels below the root are rejected, so no text can exhaust
/// the stack of the compiler or of MSBuild.
/// </summary>
internal static class SmallJsonReader
{
    /// <summary>Deepest nesting below the root value that is read.</summary>
    public const int MaxDepth = 64;

    /// <summary>The value <paramref name="text"/> holds; <see cref="SmallJsonException"/> at the first error.</summary>
    public static SmallJsonValue Parse(string text, SmallJsonRules rules = SmallJsonRules.None) => new Reader(text, rules).Document();

    private sealed class Reader
    {
        private readonly string _s;
        private readonly bool _rejectDuplicateKeys;
        private readonly bool _objectRoot;
        private int _i;

        public Reader(string s, SmallJsonRules rules)
        {
            _s = s;
            _rejectDuplicateKeys = (rules & SmallJsonRules.RejectDuplicateKeys) != 0;
            _objectRoot = (rules & SmallJsonRules.ObjectRoot) != 0;
        }

        public SmallJsonValue Document()
        {
            SkipSpace();
            if (_objectRoot && Peek() != '{') throw Error("expected a JSON object");
            SmallJsonValue value = Value(0);
            SkipSpace();
            if (_i < _s.Length) throw Error("unexpected text after the JSON value");
            return value;
        }

        private char Peek() => _i < _s.Length ? _s[_i] : '\0';

        private SmallJsonException Error(string message) => new(message, Math.Min(_i, _s.Length));

        private void SkipSpace()
        {
            while (_i < _s.Length && _s[_i] is ' ' or '\t' or '\r' or '\n') _i++;
        }

        private SmallJsonValue Value(int depth)
        {
            if (depth > MaxDepth) throw Error("nesting is too deep");
            SkipSpace();
            if (_i >= _s.Length) throw Error("unexpected end of the JSON text");
            int start = _i;
            char c = _s[_i];
            switch (c)
            {
                case '{': return Object(depth);
                case '[': return Array(depth);
                case '"':
                {
                    string value = String();
                    return SmallJsonValue.Scalar(SmallJsonKind.String, start, _i - start, value);
                }
                case 't': return Word("true", SmallJsonKind.True);
                case 'f': return Word("false", SmallJsonKind.False);
                case 'n': return Word("null", SmallJsonKind.Null);
                default:
                    if (c != '-' && !IsDigit(c)) throw Error($"unexpected character '{c}'");
                    Number();
                    return SmallJsonValue.Scalar(SmallJsonKind.Number, start, _i - start, _s.Substring(start, _i - start));
            }
        }

        private SmallJsonValue Object(int depth)
        {
            int start = _i++;
            var members = new List<SmallJsonMember>();
            HashSet<string>? names = _rejectDuplicateKeys ? new HashSet<string>(StringComparer.Ordinal) : null;
            SkipSpace();
            if (Peek() == '}') { _i++; return SmallJsonValue.Object(start, _i - start, members); }
            while (true)
            {
                SkipSpace();
                if (Peek() != '"') throw Error("expected a property name in double quotes");
                int nameStart = _i;
                string name = String();
                SkipSpace();
                if (Peek() != ':') throw Error($"expected ':' after property name '{name}'");
                _i++;
                SmallJsonValue value = Value(depth + 1);
                if (names is not null && !names.Add(name)) throw new SmallJsonException($"duplicate key '{name}'", nameStart);
                members.Add(new SmallJsonMember(name, nameStart, value));
                SkipSpace();
                char c = Peek();
                if (c == ',') { _i++; continue; }
                if (c == '}') { _i++; return SmallJsonValue.Object(start, _i - start, members); }
                throw Error("expected ',' or '}' in an object");
            }
        }

        private SmallJsonValue Array(int depth)
        {
            int start = _i++;
            var items = new List<SmallJsonValue>();
            SkipSpace();
            if (Peek() == ']') { _i++; return SmallJsonValue.Array(start, _i - start, items); }
            while (true)
            {
                items.Add(Value(depth + 1));
                SkipSpace();
                char c = Peek();
                if (c == ',') { _i++; continue; }
                if (c == ']') { _i++; return SmallJsonValue.Array(start, _i - start, items); }
                throw Error("expected ',' or ']' in an array");
            }
        }

        private SmallJsonValue Word(string word, SmallJsonKind kind)
        {
            int start = _i;
            if (string.CompareOrdinal(_s, _i, word, 0, word.Length) != 0) throw Error($"unexpected character, expected '{word}'");
            _i += word.Length;
            return SmallJsonValue.Scalar(kind, start, word.Length, word);
        }

        /// <summary>Reads the string at the opening quote and returns its content; text without escapes is copied once.</summary>
        private string String()
        {
            _i++;
            int run = _i;
            StringBuilder? builder = null;
            while (true)
            {
                if (_i >= _s.Length) throw Error("unterminated string");
                char c = _s[_i];
                if (c == '"')
                {
                    string content = builder is null ? _s.Substring(run, _i - run) : builder.Append(_s, run, _i - run).ToString();
                    _i++;
                    return content;
                }
                if (c < ' ') throw Error("control character in a string");
                if (c != '\\') { _i++; continue; }
                builder ??= new StringBuilder();
                builder.Append(_s, run, _i - run);
                _i++;
                if (_i >= _s.Length) throw Error("unterminated string");
                char escape = _s[_i];
                switch (escape)
                {
                    case '"': case '\\': case '/': builder.Append(escape); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u': _i++; builder.Append(HexCode()); run = _i; continue;
                    default: throw Error($"invalid escape '\\{escape}'");
                }
                _i++;
                run = _i;
            }
        }

        /// <summary>The four hex digits of a \u escape as one UTF-16 unit (a surrogate pair's halves come one per escape).</summary>
        private char HexCode()
        {
            if (_i + 4 > _s.Length) throw Error("invalid \\u escape");
            int code = 0;
            for (int k = 0; k < 4; k++)
            {
                int digit = HexDigit(_s[_i + k]);
                if (digit < 0) throw Error("invalid \\u escape");
                code = (code << 4) | digit;
            }
            _i += 4;
            return (char)code;
        }

        private static int HexDigit(char c) =>
            c is >= '0' and <= '9' ? c - '0'
            : c is >= 'a' and <= 'f' ? c - 'a' + 10
            : c is >= 'A' and <= 'F' ? c - 'A' + 10
            : -1;

        private void Number()
        {
            if (Peek() == '-') _i++;
            if (Peek() == '0') _i++;
            else if (IsDigit(Peek())) Digits();
            else throw Error(_i >= _s.Length ? "unexpected end of the JSON text" : "expected a digit after '-'");
            if (Peek() == '.')
            {
                _i++;
                if (!Digits()) throw Error("expected digits after '.'");
            }
            if (Peek() is 'e' or 'E')
            {
                _i++;
                if (Peek() is '+' or '-') _i++;
                if (!Digits()) throw Error("expected digits in the exponent");
            }
        }

        private bool Digits()
        {
            int start = _i;
            while (IsDigit(Peek())) _i++;
            return _i > start;
        }

        private static bool IsDigit(char c) => c is >= '0' and <= '9';
    }
}
