package org.kvmsriov.xml;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.kvmsriov.config.InvalidInputException;
import org.w3c.dom.Document;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * XML parsing for documents that come from outside (deployment files, libvirt XML, OpenNebula
 * templates): namespace-aware, CDATA kept, and closed against XXE — a DOCTYPE is refused
 * outright, so no entity, external or internal, can be declared.
 */
public final class SafeXml {

  /** Bigger than any domain or VM template OpenNebula writes. */
  public static final int MAX_CHARS = 4 << 20;
  /**
   * Deeper than any domain XML or VM template (libvirt's deepest is about 8, metadata included):
   * a document nested deeper is hostile, and code that walks it recursively would overflow.
   */
  public static final int MAX_DEPTH = 100;

  private SafeXml() {}

  private static DocumentBuilder builder() throws ParserConfigurationException {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setCoalescing(false); // keep CDATA sections as CDATA
    f.setExpandEntityReferences(false);
    f.setXIncludeAware(false);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
    f.setAttribute("jdk.xml.maxElementDepth", MAX_DEPTH);
    DocumentBuilder b = f.newDocumentBuilder();
    b.setErrorHandler(new ErrorHandler() {
      @Override
      public void warning(SAXParseException e) {}

      @Override
      public void error(SAXParseException e) throws SAXException {
        throw e;
      }

      @Override
      public void fatalError(SAXParseException e) throws SAXException {
        throw e;
      }
    });
    return b;
  }

  /**
   * Parses {@code text}; {@code what} names the input in messages ("deployment file").
   *
   * @throws InvalidInputException when the text is not well-formed XML or declares a DOCTYPE
   */
  public static Document parse(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException(what + " is empty");
    }
    if (text.length() > MAX_CHARS) {
      throw new InvalidInputException(what + " is larger than " + MAX_CHARS + " characters");
    }
    try {
      return builder().parse(new InputSource(new StringReader(text)));
    } catch (SAXParseException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage();
      if (msg.contains("DOCTYPE")) {
        throw new InvalidInputException(what + " declares a DOCTYPE; refused (entities could read"
            + " local files)");
      }
      if (msg.contains("maxElementDepth")) {
        throw new InvalidInputException(what + " is nested deeper than " + MAX_DEPTH + " elements; refused");
      }
      throw new InvalidInputException(what + " is not well-formed XML (line " + e.getLineNumber()
          + ", column " + e.getColumnNumber() + "): " + msg);
    } catch (SAXException | IOException e) {
      throw new InvalidInputException(what + " cannot be parsed: " + e.getMessage());
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("this JDK's XML parser cannot be made safe: " + e.getMessage(), e);
    }
  }

  /** Serialises without an XML declaration, keeping whitespace, CDATA and namespaces. */
  public static String serialize(Document doc) {
    try {
      TransformerFactory tf = TransformerFactory.newInstance();
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      Transformer t = tf.newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(doc), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot serialise XML: " + e.getMessage(), e);
    }
  }
}
