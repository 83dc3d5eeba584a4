// Declare OpenPanel analytics projects, API clients and timeline references.
package openpanel
