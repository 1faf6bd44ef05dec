package dev.terrarium.abi.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A record that crosses the boundary as a C-layout struct.
 *
 * @param qualifiedName the Java canonical name
 * @param simpleName the Java simple name
 * @param fields the fields with their offsets, in declaration order
 * @param size the struct size in bytes (a multiple of {@code align})
 * @param align the struct alignment
 */
public record RecordModel(String qualifiedName, String simpleName, List<FieldModel> fields, int size, int align) {
  public RecordModel {
    fields = List.copyOf(fields);
  }

  /** A component before layout. */
  public record Component(String name, AbiType type) {}

  /** Lays out the components in C order with natural alignment. */
  public static RecordModel layout(String qualifiedName, String simpleName, List<Component> components) {
    List<FieldModel> fields = new ArrayList<>();
    int offset = 0;
    int align = 1;
    for (Component c : components) {
      int a = c.type().align();
      offset = alignUp(offset, a);
      fields.add(new FieldModel(c.name(), Names.snakeCase(c.name()), c.type(), offset));
      offset += c.type().size();
      align = Math.max(align, a);
    }
    return new RecordModel(qualifiedName, simpleName, fields, alignUp(offset, align), align);
  }

  static int alignUp(int value, int align) {
    return (value + align - 1) / align * align;
  }
}
