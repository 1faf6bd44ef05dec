package dev.terrarium.abi.model;

/**
 * One parameter of a function.
 *
 * @param name the Java parameter name
 * @param wasmName its name in guest languages ({@code snake_case})
 * @param type its ABI type
 */
public record ParamModel(String name, String wasmName, AbiType type) {}
