package dev.terrarium.abi.model;

/**
 * One record component as a struct field.
 *
 * @param name the Java component name
 * @param wasmName its name in guest languages ({@code snake_case})
 * @param type its ABI type
 * @param offset its byte offset in the struct
 */
public record FieldModel(String name, String wasmName, AbiType type, int offset) {}
