package org.kvmsriov.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Map;

/**
 * The reason an I/O operation failed, in words, without the path: the JDK's file exceptions carry
 * the path as their message and often no reason at all ({@code AccessDeniedException} for
 * EACCES), so "cannot open F: " + message would name the file twice and say nothing.
 */
public final class IoErrors {

  /** The errno a JDK exception type stands for, where it gives no reason of its own. */
  private static final Map<Class<? extends IOException>, String> BY_TYPE = Map.of(
      AccessDeniedException.class, "permission denied",
      NoSuchFileException.class, "no such file or directory",
      NotDirectoryException.class, "not a directory",
      FileAlreadyExistsException.class, "already exists",
      DirectoryNotEmptyException.class, "directory not empty",
      NotLinkException.class, "not a symbolic link",
      FileSystemLoopException.class, "too many levels of symbolic links");

  private IoErrors() {}

  /** {@code permission denied}, {@code no such file or directory}, or the system's own words. */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() != null && !f.getReason().isBlank()) {
      return f.getReason().strip();
    }
    String known = BY_TYPE.get(e.getClass());
    if (known != null) {
      return known;
    }
    if (e instanceof FileSystemException || e.getMessage() == null || e.getMessage().isBlank()) {
      return "I/O error";
    }
    return e.getMessage();
  }
}
