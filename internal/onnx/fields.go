package onnx

// Field numbers from onnx.proto (github.com/onnx/onnx, onnx/onnx.proto3).
// Only the fields this package reads or writes are named.
const (
	// ModelProto
	modelIRVersion   = 1
	modelProducer    = 2
	modelGraph       = 7
	modelOpsetImport = 8

	// OperatorSetIdProto
	opsetDomain  = 1
	opsetVersion = 2

	// GraphProto
	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12
	graphValueInfo   = 13

	// NodeProto
	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDomain    = 7

	// AttributeProto
	attrName    = 1
	attrF       = 2
	attrI       = 3
	attrS       = 4
	attrT       = 5
	attrFloats  = 7
	attrInts    = 8
	attrStrings = 9
	attrType    = 20

	// TensorProto
	tensorDims         = 1
	tensorDataType     = 2
	tensorSegment      = 3
	tensorFloatData    = 4
	tensorInt32Data    = 5
	tensorInt64Data    = 7
	tensorName         = 8
	tensorRawData      = 9
	tensorDoubleData   = 10
	tensorUint64Data   = 11
	tensorExternalData = 13
	tensorDataLocation = 14

	// ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and
	// TensorShapeProto.Dimension
	valueInfoName      = 1
	valueInfoType      = 2
	typeTensorType     = 1
	tensorTypeElemType = 1
	tensorTypeShape    = 2
	shapeDim           = 1
	dimValue           = 1
	dimParam           = 2
)
