namespace ModelGen.SafeTensors;

/// <summary>
/// The element types the safetensors format defines, spelled as in the file's <c>dtype</c> field.
/// Sizes are in bits because <see cref="F4"/> and the 6-bit types pack several elements per byte.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte per element.</summary>
    BOOL,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,

    /// <summary>IEEE half precision.</summary>
    F16,

    /// <summary>bfloat16.</summary>
    BF16,

    /// <summary>IEEE single precision.</summary>
    F32,

    /// <summary>IEEE double precision.</summary>
    F64,

    /// <summary>Complex number made of two single-precision parts.</summary>
    C64,

    /// <summary>8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8_E4M3,

    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8_E5M2,

    /// <summary>8-bit exponent-only scale (microscaling formats).</summary>
    F8_E8M0,

    /// <summary>8-bit float, 4 exponent and 3 mantissa bits, finite with unsigned zero.</summary>
    F8_E4M3FNUZ,

    /// <summary>8-bit float, 5 exponent and 2 mantissa bits, finite with unsigned zero.</summary>
    F8_E5M2FNUZ,

    /// <summary>4-bit float (microscaling formats); two elements per byte.</summary>
    F4,

    /// <summary>6-bit float, 2 exponent and 3 mantissa bits (microscaling formats).</summary>
    F6_E2M3,

    /// <summary>6-bit float, 3 exponent and 2 mantissa bits (microscaling formats).</summary>
    F6_E3M2,
}
