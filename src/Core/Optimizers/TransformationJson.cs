using System.Buffers;
using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Momentum.Optimizers;

/// <summary>
/// Names a transformation's or schedule's kind in JSON when the rule of <see cref="Catalog"/> (the type's name in
/// snake_case, without a trailing "Schedule") does not give the name wanted.
/// </summary>
/// <param name="name">The kind's name, e.g. "aggmo".</param>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KindAttribute(string name) : Attribute
{
    /// <summary>The kind's name.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// The transformations and schedules JSON can name, by kind: every public non-abstract <see cref="GradientTransformation"/>
/// and <see cref="Schedule"/> of this library (found by reflection, so a new one needs no registration here), plus
/// those a user adds with <see cref="With{T}"/>. A kind is the type's name in snake_case without a trailing "Schedule"
/// (<c>ScaleByLearningRate</c> → "scale_by_learning_rate", <c>WarmupCosineSchedule</c> → "warmup_cosine") unless a
/// <see cref="KindAttribute"/> names it.
/// </summary>
public sealed class Catalog
{
    private readonly ImmutableDictionary<string, Type> byKind;
    private readonly ImmutableDictionary<Type, string> byType;

    private Catalog(ImmutableDictionary<string, Type> byKind)
    {
        this.byKind = byKind;
        byType = byKind.ToImmutableDictionary(p => p.Value, p => p.Key);
    }

    /// <summary>This library's transformations and schedules.</summary>
    [field: MaybeNull]
    public static Catalog Default
    {
        get => field ??= new Catalog(typeof(GradientTransformation).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && (typeof(IGradientTransformation).IsAssignableFrom(t) || t.IsSubclassOf(typeof(Schedule))) && t != typeof(FunctionSchedule))
            .ToImmutableDictionary(KindOf, t => t));
    }

    /// <summary>The kinds known, transformations and schedules, in order.</summary>
    public IEnumerable<string> Kinds => byKind.Keys.Order(StringComparer.Ordinal);

    /// <summary>The type written as <paramref name="kind"/> (a transformation or a schedule), or null when the catalog has none.</summary>
    public Type? TypeOf(string kind) => byKind.GetValueOrDefault(kind);

    /// <summary>This catalog and <typeparamref name="T"/> (a user's transformation or schedule), under <paramref name="kind"/> or its rule's name.</summary>
    /// <exception cref="ArgumentException">The kind is taken by another type.</exception>
    public Catalog With<T>(string? kind = null)
    {
        var type = typeof(T);
        if (!typeof(IGradientTransformation).IsAssignableFrom(type) && !type.IsSubclassOf(typeof(Schedule)))
            throw new ArgumentException($"{type.Name} is neither an IGradientTransformation nor a Schedule.", nameof(T));
        kind ??= KindOf(type);
        if (byKind.TryGetValue(kind, out var taken) && taken != type)
            throw new ArgumentException($"the kind \"{kind}\" is already {taken.Name}'s.", nameof(kind));
        return new(byKind.SetItem(kind, type));
    }

    internal bool TryGetType(string kind, [NotNullWhen(true)] out Type? type) => byKind.TryGetValue(kind, out type);

    internal string Kind(Type type) =>
        byType.TryGetValue(type, out var kind) ? kind
            : throw new JsonException($"{type.Name} is not in the catalog: add it with Catalog.With<{type.Name}>() to write or read it as JSON.");

    /// <summary>The rule: a <see cref="KindAttribute"/>'s name, else the type's name in snake_case without "Schedule".</summary>
    public static string KindOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type.GetCustomAttribute<KindAttribute>() is { } attribute) return attribute.Name;
        var name = type.Name;
        if (name.EndsWith("Schedule", StringComparison.Ordinal) && name.Length > "Schedule".Length) name = name[..^"Schedule".Length];
        return TransformationJson.SnakeCase(name);
    }
}

/// <summary>
/// Transformations, schedules and states as JSON, so a chain can be written in a configuration file and a run's
/// optimizer and state in a checkpoint. A transformation is an object naming its kind and its hyperparameters in
/// snake_case (<c>{"kind": "qhm", "learning_rate": 0.1, "momentum": 0.9, "nu": 0.7}</c>); a constant schedule is a
/// number, any other an object with its kind (<c>{"kind": "demon", "initial": 0.9, "steps": 100}</c>); nested
/// transformations and lists are written in place. Numbers are written as the shortest text that reads back to the same
/// double, so a state read back is bit for bit the state written. Pure: text in, values out.
/// </summary>
public static class TransformationJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>The transformation as JSON text.</summary>
    public static string Write(IGradientTransformation transformation, Catalog? catalog = null) =>
        Text(w => Write(w, transformation, catalog ?? Catalog.Default));

    /// <summary>The schedule as JSON text (a number when it is constant).</summary>
    public static string Write(Schedule schedule, Catalog? catalog = null) =>
        Text(w => WriteValue(w, schedule, catalog ?? Catalog.Default, "$"));

    /// <summary>Writes the transformation as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, IGradientTransformation transformation, Catalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(transformation);
        WriteValue(writer, transformation, catalog ?? Catalog.Default, "$");
    }

    /// <summary>Reads a transformation.</summary>
    /// <exception cref="JsonException">
    /// The text is not JSON, a kind is unknown, a hyperparameter is unknown, missing or of the wrong type, or a value is
    /// out of range; the message names the path (<c>$.links[1].momentum</c>).
    /// </exception>
    public static IGradientTransformation ReadTransformation(string json, Catalog? catalog = null)
    {
        using var document = Parse(json);
        return ReadTransformation(document.RootElement, catalog);
    }

    /// <inheritdoc cref="ReadTransformation(string, Catalog?)"/>
    public static IGradientTransformation ReadTransformation(JsonElement element, Catalog? catalog = null) =>
        (IGradientTransformation)ReadValue(element, typeof(IGradientTransformation), catalog ?? Catalog.Default, "$")!;

    /// <summary>Reads a schedule (a number, or an object with its kind).</summary>
    /// <exception cref="JsonException">As for <see cref="ReadTransformation(string, Catalog?)"/>.</exception>
    public static Schedule ReadSchedule(string json, Catalog? catalog = null)
    {
        using var document = Parse(json);
        return (Schedule)ReadValue(document.RootElement, typeof(Schedule), catalog ?? Catalog.Default, "$")!;
    }

    /// <summary>
    /// Writes a transformation's state: its shape's names, its length and count, each vector by name and each scalar by
    /// name; NaN and ±∞ as the strings "NaN", "Infinity", "-Infinity".
    /// </summary>
    public static void WriteState<T>(Utf8JsonWriter writer, TransformState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        writer.WriteStartObject();
        writer.WriteNumber("length", state.Length);
        writer.WriteNumber("count", state.Count);
        writer.WriteStartObject("vectors");
        for (var k = 0; k < state.Shape.Vectors.Length; k++)
        {
            writer.WriteStartArray(state.Shape.Vectors[k]);
            foreach (var value in state.Vectors.AsSpan(k * state.Length, state.Length)) Number(writer, double.CreateChecked(value));
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteStartObject("scalars");
        for (var k = 0; k < state.Shape.Scalars.Length; k++)
        {
            writer.WritePropertyName(state.Shape.Scalars[k]);
            Number(writer, state.Scalars[k]);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Reads a state written by <see cref="WriteState{T}"/> for a transformation of <paramref name="shape"/>.</summary>
    /// <exception cref="JsonException">A name of the shape is missing or extra, a length is wrong, or a value does not fit <typeparamref name="T"/>.</exception>
    public static TransformState<T> ReadState<T>(JsonElement element, StateShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(shape);
        var length = Integer(Property(element, "length", "$"), "$.length", 0, int.MaxValue);
        var count = Integer(Property(element, "count", "$"), "$.count", 0, long.MaxValue);
        var vectorsElement = Property(element, "vectors", "$");
        var scalarsElement = Property(element, "scalars", "$");
        RequireNames(vectorsElement, shape.Vectors, "$.vectors");
        RequireNames(scalarsElement, shape.Scalars, "$.scalars");
        var vectors = new T[shape.VectorLength((int)length)];
        for (var k = 0; k < shape.Vectors.Length; k++)
        {
            var path = $"$.vectors.{shape.Vectors[k]}";
            var array = vectorsElement.GetProperty(shape.Vectors[k]);
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != length)
                throw new JsonException($"{path}: expected a list of {length} numbers.");
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var value = Double(item, $"{path}[{i}]");
                var converted = T.CreateSaturating(value);
                if (double.CreateChecked(converted) != value && !(double.IsNaN(value) && T.IsNaN(converted)))
                    throw new JsonException($"{path}[{i}]: {value.ToString("R", CultureInfo.InvariantCulture)} is not a {typeof(T).Name} value (this state is {typeof(T).Name}).");
                vectors[k * length + i++] = converted;
            }
        }
        var scalars = new double[shape.Scalars.Length];
        for (var k = 0; k < shape.Scalars.Length; k++)
            scalars[k] = Double(scalarsElement.GetProperty(shape.Scalars[k]), $"$.scalars.{shape.Scalars[k]}");
        return TransformState<T>.Wrap(shape, (int)length, vectors, scalars, count);
    }

    // ----- writing -----

    private static void WriteValue(Utf8JsonWriter w, object? value, Catalog catalog, string path)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case ConstantSchedule constant: Number(w, constant.Value); break;
            case FunctionSchedule function:
                throw new JsonException($"{path}: {function} is a function and cannot be written as JSON; write a record deriving from Schedule.");
            case IGradientTransformation or Schedule:
                w.WriteStartObject();
                w.WriteString("kind", catalog.Kind(value.GetType()));
                foreach (var (name, property) in Hyperparameters(value.GetType()))
                {
                    w.WritePropertyName(name);
                    WriteValue(w, property.GetValue(value), catalog, $"{path}.{name}");
                }
                w.WriteEndObject();
                break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: Number(w, d); break;
            case IEnumerable list when value is not string:
                w.WriteStartArray();
                var k = 0;
                foreach (var item in list) WriteValue(w, item, catalog, $"{path}[{k++}]");
                w.WriteEndArray();
                break;
            default:
                throw new JsonException($"{path}: a {value.GetType().Name} cannot be written as JSON.");
        }
    }

    // ----- reading -----

    private static object? ReadValue(JsonElement element, Type type, Catalog catalog, string path)
    {
        if (type == typeof(double)) return Double(element, path);
        if (type == typeof(int)) return (int)Integer(element, path, int.MinValue, int.MaxValue);
        if (type == typeof(long)) return Integer(element, path, long.MinValue, long.MaxValue);
        if (type == typeof(bool))
            return element.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new JsonException($"{path}: expected true or false, found {Describe(element)}."),
            };
        if (type == typeof(Schedule) && element.ValueKind is JsonValueKind.Number or JsonValueKind.String)
            return new ConstantSchedule(Double(element, path));
        if (type.IsArray || type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(ImmutableArray<>) || type.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
        {
            var itemType = type.IsArray ? type.GetElementType()! : type.GetGenericArguments()[0];
            if (element.ValueKind != JsonValueKind.Array) throw new JsonException($"{path}: expected a list, found {Describe(element)}.");
            var items = element.EnumerateArray().Select((e, i) => ReadValue(e, itemType, catalog, $"{path}[{i}]")).ToArray();
            var array = Array.CreateInstance(itemType, items.Length);
            for (var i = 0; i < items.Length; i++) array.SetValue(items[i], i);
            if (type.IsArray) return array;
            return typeof(ImmutableArray).GetMethods()
                .Single(m => m.Name == nameof(ImmutableArray.Create) && m.GetParameters() is [{ ParameterType.IsArray: true }])
                .MakeGenericMethod(itemType).Invoke(null, [array]);
        }
        if (typeof(IGradientTransformation).IsAssignableFrom(type) || type == typeof(Schedule) || type.IsSubclassOf(typeof(Schedule)))
            return ReadObject(element, type, catalog, path);
        throw new JsonException($"{path}: a {type.Name} cannot be read from JSON.");
    }

    private static object ReadObject(JsonElement element, Type expected, Catalog catalog, string path)
    {
        var what = expected == typeof(Schedule) || expected.IsSubclassOf(typeof(Schedule)) ? "schedule" : "transformation";
        if (element.ValueKind != JsonValueKind.Object)
            throw new JsonException($"{path}: expected a {what} object {{\"kind\": …}}, found {Describe(element)}.");
        if (!element.TryGetProperty("kind", out var kindElement) || kindElement.ValueKind != JsonValueKind.String)
            throw new JsonException($"{path}: a {what} needs \"kind\" (one of {string.Join(", ", Known(catalog, expected))}).");
        var kind = kindElement.GetString()!;
        if (!catalog.TryGetType(kind, out var type) || !expected.IsAssignableFrom(type))
            throw new JsonException($"{path}.kind: unknown {what} kind \"{kind}\"; known: {string.Join(", ", Known(catalog, expected))}.");

        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var parameters = constructor.GetParameters();
        var names = parameters.ToDictionary(p => SnakeCase(p.Name!), p => p, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name == "kind") continue;
            if (!names.ContainsKey(property.Name))
                throw new JsonException($"{path}.{property.Name}: \"{kind}\" has no hyperparameter \"{property.Name}\"; it has {string.Join(", ", names.Keys)}.");
            if (!seen.Add(property.Name))
                throw new JsonException($"{path}.{property.Name}: given twice.");
        }
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var name = SnakeCase(parameters[i].Name!);
            var parameterType = Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType;
            if (element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
                arguments[i] = ReadValue(value, parameterType, catalog, $"{path}.{name}");
            else if (parameters[i].HasDefaultValue)
                arguments[i] = parameters[i].DefaultValue;
            else
                throw new JsonException($"{path}: \"{kind}\" needs \"{name}\".");
        }
        try
        {
            return constructor.Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is HyperparameterException h)
        {
            throw new JsonException($"{path}.{SnakeCase(h.Name)}: {h.Problem} (found {h.Value.ToString("R", CultureInfo.InvariantCulture)}).", h);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException a)
        {
            throw new JsonException($"{path}: {a.Message}", a);
        }
    }

    private static IEnumerable<string> Known(Catalog catalog, Type expected) =>
        catalog.Kinds.Where(k => catalog.TryGetType(k, out var t) && expected.IsAssignableFrom(t));

    /// <summary>The hyperparameters of a record: its constructor's parameters, by snake_case name, with the property of each.</summary>
    private static IEnumerable<(string Name, PropertyInfo Property)> Hyperparameters(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        foreach (var parameter in constructor.GetParameters())
        {
            var property = type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new JsonException($"{type.Name}: its constructor parameter \"{parameter.Name}\" has no property of the same name to write.");
            yield return (SnakeCase(parameter.Name!), property);
        }
    }

    // ----- small helpers -----

    private static JsonDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
    }

    private static string Text(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Indented)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The shortest text that reads back as <paramref name="value"/> (invariant culture): the runtime's round-trip format
    /// "R", or 17 significant digits where "R" is too short. .NET 10's "R" (and <see cref="Utf8JsonWriter"/>'s numbers)
    /// writes ±2⁻²⁵ as ±2.980232238769531E-08, which reads back one ulp below; the only doubles it misses are powers of
    /// two, so only those are checked.
    /// </summary>
    public static string ExactText(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if ((BitConverter.DoubleToInt64Bits(value) & 0xF_FFFF_FFFF_FFFFL) != 0 || !double.IsFinite(value)) return text;
        return double.Parse(text, CultureInfo.InvariantCulture) == value ? text : value.ToString("G17", CultureInfo.InvariantCulture);
    }

    private static void Number(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value)) w.WriteRawValue(ExactText(value), skipInputValidation: true);
        else w.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }

    private static double Double(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDouble(out var d) && double.IsFinite(d) => d,
        JsonValueKind.Number => throw new JsonException($"{path}: {element.GetRawText()} is out of the range of a double."),
        JsonValueKind.String when element.GetString() is "NaN" => double.NaN,
        JsonValueKind.String when element.GetString() is "Infinity" => double.PositiveInfinity,
        JsonValueKind.String when element.GetString() is "-Infinity" => double.NegativeInfinity,
        _ => throw new JsonException($"{path}: expected a number, found {Describe(element)}."),
    };

    private static long Integer(JsonElement element, string path, long minimum, long maximum) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var v) && v >= minimum && v <= maximum
            ? v
            : throw new JsonException($"{path}: expected an integer in [{minimum}, {maximum}], found {Describe(element)}.");

    private static JsonElement Property(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new JsonException($"{path}: missing \"{name}\".");

    private static void RequireNames(JsonElement element, ImmutableArray<string> names, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new JsonException($"{path}: expected an object, found {Describe(element)}.");
        var given = element.EnumerateObject().Select(p => p.Name).ToList();
        var missing = names.Except(given).ToList();
        var extra = given.Except(names).ToList();
        if (missing.Count > 0 || extra.Count > 0 || given.Count != names.Length)
            throw new JsonException($"{path}: expected exactly {(names.Length == 0 ? "nothing" : string.Join(", ", names))}"
                + (missing.Count > 0 ? $"; missing {string.Join(", ", missing)}" : "") + (extra.Count > 0 ? $"; not of this optimizer: {string.Join(", ", extra)}" : "") + ".");
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Null => "null",
        _ => element.GetRawText(),
    };

    /// <summary>"LearningRate" → "learning_rate"; "AggMo" → "agg_mo".</summary>
    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])))
                    builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
                builder.Append(c);
        }
        return builder.ToString();
    }
}
