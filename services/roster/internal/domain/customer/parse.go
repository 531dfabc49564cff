package customer

import (
	"strings"
)

// Words people write for the enums in files (imports): the wire names, the same
// without their prefix, English words and the Chinese terms banks use. Keys are
// matched case-insensitively after trimming.
var (
	kindWords = map[string]Kind{
		"kind_retail_outlet": RetailOutlet, "retail_outlet": RetailOutlet, "retail outlet": RetailOutlet, "outlet": RetailOutlet,
		"零售网点": RetailOutlet, "零售户": RetailOutlet, "网点": RetailOutlet, "商户": RetailOutlet, "零售": RetailOutlet,
		"kind_individual": Individual, "individual": Individual, "person": Individual,
		"个人": Individual, "个人客户": Individual, "自然人": Individual,
		"kind_corporate": Corporate, "corporate": Corporate, "company": Corporate,
		"公司": Corporate, "公司客户": Corporate, "企业": Corporate, "对公": Corporate, "法人": Corporate,
	}
	areaWords = map[string]AreaType{
		"area_type_urban": Urban, "urban": Urban, "城区": Urban, "城市": Urban, "市区": Urban,
		"area_type_town": Town, "town": Town, "乡镇": Town, "镇": Town, "城镇": Town,
		"area_type_village": Village, "village": Village, "rural": Village,
		"农村": Village, "行政村": Village, "村": Village, "乡村": Village,
	}
	visitWords = map[string]VisitMethod{
		"visit_method_in_person": InPerson, "in_person": InPerson, "in person": InPerson, "on-site": InPerson, "onsite": InPerson,
		"实地": InPerson, "实地走访": InPerson, "走访": InPerson, "上门": InPerson,
		"visit_method_phone": Phone, "phone": Phone, "telephone": Phone, "电话": Phone, "电话拜访": Phone,
		"visit_method_online": Online, "online": Online, "线上": Online, "在线": Online, "网络": Online, "线上拜访": Online,
	}
)

func word(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseKind reads a kind as written in a file, e.g. "公司", "corporate" or
// "KIND_CORPORATE".
func ParseKind(s string) (Kind, bool) { k, ok := kindWords[word(s)]; return k, ok }

// ParseAreaType reads an area type as written in a file, e.g. "城区", "town" or
// "AREA_TYPE_VILLAGE".
func ParseAreaType(s string) (AreaType, bool) { a, ok := areaWords[word(s)]; return a, ok }

// ParseVisitMethod reads a visit method as written in a file, e.g. "电话" or
// "VISIT_METHOD_IN_PERSON".
func ParseVisitMethod(s string) (VisitMethod, bool) { v, ok := visitWords[word(s)]; return v, ok }

// Spellings, for error messages: what a file may write.
const (
	KindSpellings        = "公司/corporate/KIND_CORPORATE, 个人/individual/KIND_INDIVIDUAL or 零售网点/retail_outlet/KIND_RETAIL_OUTLET"
	AreaTypeSpellings    = "城区/urban, 乡镇/town or 农村/village (or AREA_TYPE_URBAN, AREA_TYPE_TOWN, AREA_TYPE_VILLAGE)"
	VisitMethodSpellings = "实地/in_person, 电话/phone or 线上/online (or VISIT_METHOD_IN_PERSON, VISIT_METHOD_PHONE, VISIT_METHOD_ONLINE), or empty"
)
