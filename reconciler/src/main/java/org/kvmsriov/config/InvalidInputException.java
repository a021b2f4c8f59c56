package org.kvmsriov.config;

import java.util.List;
import java.util.stream.Collectors;

/** Input from outside (a file, argv, stdin) was refused; nothing was changed. Exit code 2. */
public class InvalidInputException extends RuntimeException {

  private final List<Problem> problems;

  public InvalidInputException(List<Problem> problems) {
    super(problems.stream().map(Problem::format).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public InvalidInputException(String message) {
    super(message);
    this.problems = List.of();
  }

  /** The located problems, empty when the refusal is a single message. */
  public List<Problem> problems() {
    return problems;
  }
}
