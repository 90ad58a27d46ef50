using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Manifest;

/// <summary>
/// Reads a model's config.json into its scalar values by dotted path. A reader of its own because the generator
/// targets netstandard2.0 without System.Text.Json (an analyzer cannot bring that package along safely); it
/// accepts standard JSON (RFC 8259) objects, arrays, strings, numbers, booleans and null, and reports the first
/// syntax error at its line. Arrays are checked but their elements are not kept: no shape depends on them.
/// </summary>
internal static class ConfigParser
{
    private const int MaxDepth = 64;

    public static ConfigSpec Parse(string path, string model, SourceText? text)
    {
        if (text is null)
        {
            return new ConfigSpec(path, model, EquatableArray<ConfigValue>.Empty, new[]
            {
                DiagnosticInfo.Create(Descriptors.InvalidConfig, LocationInfo.InFile(path, default, default), path, "the file cannot be read"),
            }.ToEquatableArray());
        }
        var reader = new Reader(text.ToString());
        var values = new List<ConfigValue>();
        try
        {
            reader.SkipSpace();
            if (reader.Peek() != '{') throw reader.Error("expected a JSON object");
            reader.Value("", values, 0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw reader.Error("unexpected text after the JSON object");
        }
        catch (ConfigSyntaxException e)
        {
            LinePosition position = text.Lines.GetLinePosition(e.Offset);
            var location = LocationInfo.InFile(path, new TextSpan(e.Offset, 0), new LinePositionSpan(position, position));
            return new ConfigSpec(path, model, EquatableArray<ConfigValue>.Empty, new[]
            {
                DiagnosticInfo.Create(Descriptors.InvalidConfig, location, path, $"line {position.Line + 1}: {e.Message}"),
            }.ToEquatableArray());
        }
        var located = new List<ConfigValue>(values.Count);
        foreach (ConfigValue value in values)
        {
            LinePosition position = text.Lines.GetLinePosition(value.Start);
            located.Add(value with { Line = position.Line, Column = position.Character });
        }
        return new ConfigSpec(path, model, located.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
    }

    private sealed class ConfigSyntaxException : System.Exception
    {
        public ConfigSyntaxException(string message, int offset) : base(message) => Offset = offset;

        public int Offset { get; }
    }

    private sealed class Reader
    {
        private readonly string _s;
        private int _i;

        public Reader(string s) => _s = s;

        public bool AtEnd => _i >= _s.Length;

        public char Peek() => _i < _s.Length ? _s[_i] : '\0';

        public ConfigSyntaxException Error(string message) => new(message, System.Math.Min(_i, _s.Length));

        public void SkipSpace()
        {
            while (_i < _s.Length && _s[_i] is ' ' or '\t' or '\r' or '\n') _i++;
        }

        /// <summary>Reads one value at <paramref name="path"/>; scalars outside arrays are added to <paramref name="into"/> when <paramref name="into"/> is not null.</summary>
        public void Value(string path, List<ConfigValue>? into, int depth)
        {
            if (depth > MaxDepth) throw Error("nesting is too deep");
            SkipSpace();
            int start = _i;
            switch (Peek())
            {
                case '{':
                    Object(path, into, depth);
                    return;
                case '[':
                    Array(path, depth);
                    return;
                case '"':
                {
                    string value = String();
                    into?.Add(new ConfigValue(path, value, null, null, start, _i - start, 0, 0));
                    return;
                }
                case 't': Word("true"); into?.Add(new ConfigValue(path, "true", null, true, start, 4, 0, 0)); return;
                case 'f': Word("false"); into?.Add(new ConfigValue(path, "false", null, false, start, 5, 0, 0)); return;
                case 'n': Word("null"); into?.Add(new ConfigValue(path, "null", null, null, start, 4, 0, 0)); return;
                default:
                {
                    string number = Number();
                    long? integer = long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : null;
                    into?.Add(new ConfigValue(path, number, integer, null, start, _i - start, 0, 0));
                    return;
                }
            }
        }

        private void Object(string path, List<ConfigValue>? into, int depth)
        {
            _i++;
            SkipSpace();
            if (Peek() == '}') { _i++; return; }
            while (true)
            {
                SkipSpace();
                if (Peek() != '"') throw Error("expected a property name in double quotes");
                string name = String();
                SkipSpace();
                if (Peek() != ':') throw Error($"expected ':' after property name '{name}'");
                _i++;
                Value(path.Length == 0 ? name : path + "." + name, into, depth + 1);
                SkipSpace();
                char c = Peek();
                _i++;
                if (c == '}') return;
                if (c != ',') { _i--; throw Error("expected ',' or '}' in an object"); }
            }
        }

        private void Array(string path, int depth)
        {
            _i++;
            SkipSpace();
            if (Peek() == ']') { _i++; return; }
            while (true)
            {
                Value(path, null, depth + 1);
                SkipSpace();
                char c = Peek();
                _i++;
                if (c == ']') return;
                if (c != ',') { _i--; throw Error("expected ',' or ']' in an array"); }
            }
        }

        private void Word(string word)
        {
            if (string.CompareOrdinal(_s, _i, word, 0, word.Length) != 0) throw Error("unexpected character");
            _i += word.Length;
        }

        private string String()
        {
            var builder = new StringBuilder();
            _i++;
            while (true)
            {
                if (_i >= _s.Length) throw Error("unterminated string");
                char c = _s[_i++];
                if (c == '"') return builder.ToString();
                if (c < ' ') { _i--; throw Error("control character in a string"); }
                if (c != '\\') { builder.Append(c); continue; }
                if (_i >= _s.Length) throw Error("unterminated string");
                char escape = _s[_i++];
                switch (escape)
                {
                    case '"': case '\\': case '/': builder.Append(escape); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_i + 4 > _s.Length || !int.TryParse(_s.Substring(_i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                            throw Error("invalid \\u escape");
                        builder.Append((char)code);
                        _i += 4;
                        break;
                    default: _i--; throw Error($"invalid escape '\\{escape}'");
                }
            }
        }

        private string Number()
        {
            int start = _i;
            if (Peek() == '-') _i++;
            if (Peek() == '0') _i++;
            else if (Peek() is >= '1' and <= '9') Digits();
            else throw Error("unexpected character");
            if (Peek() == '.') { _i++; if (!Digits()) throw Error("expected digits after '.'"); }
            if (Peek() is 'e' or 'E')
            {
                _i++;
                if (Peek() is '+' or '-') _i++;
                if (!Digits()) throw Error("expected digits in the exponent");
            }
            return _s.Substring(start, _i - start);
        }

        private bool Digits()
        {
            int start = _i;
            while (Peek() is >= '0' and <= '9') _i++;
            return _i > start;
        }
    }
}
