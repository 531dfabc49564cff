package service

import (
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/orgunit"
)

// SeedOrgUnits is the demonstration tree created on first start with
// --seed-demo-data: one head office, two branches, two sub-branches under each, and a
// marketing team under every sub-branch. Locations are approximate WGS 84 points of
// the addresses (a team shares its sub-branch's).
var SeedOrgUnits = []app.NewUnit{
	{ID: "head-office", DisplayName: "总行", Type: orgunit.HeadOffice, Code: "0001", Address: "上海市黄浦区中山东一路 1 号",
		Location: &orgunit.Location{Lat: 31.2335, Lng: 121.4903}},

	{ID: "branch-east", DisplayName: "城东分行", Type: orgunit.Branch, ParentID: "head-office", Code: "1100", Address: "上海市浦东新区世纪大道 100 号",
		Location: &orgunit.Location{Lat: 31.2347, Lng: 121.5076}},
	{ID: "branch-west", DisplayName: "城西分行", Type: orgunit.Branch, ParentID: "head-office", Code: "1200", Address: "上海市长宁区延安西路 200 号",
		Location: &orgunit.Location{Lat: 31.2203, Lng: 121.4372}},

	{ID: "sub-lujiazui", DisplayName: "陆家嘴支行", Type: orgunit.SubBranch, ParentID: "branch-east", Code: "1101", Address: "上海市浦东新区陆家嘴环路 8 号",
		Location: &orgunit.Location{Lat: 31.2397, Lng: 121.4998}},
	{ID: "sub-zhangjiang", DisplayName: "张江支行", Type: orgunit.SubBranch, ParentID: "branch-east", Code: "1102", Address: "上海市浦东新区张江路 66 号",
		Location: &orgunit.Location{Lat: 31.2058, Lng: 121.5906}},
	{ID: "sub-hongqiao", DisplayName: "虹桥支行", Type: orgunit.SubBranch, ParentID: "branch-west", Code: "1201", Address: "上海市长宁区虹桥路 1000 号",
		Location: &orgunit.Location{Lat: 31.1977, Lng: 121.4129}},
	{ID: "sub-jingan", DisplayName: "静安支行", Type: orgunit.SubBranch, ParentID: "branch-west", Code: "1202", Address: "上海市静安区南京西路 1500 号",
		Location: &orgunit.Location{Lat: 31.2252, Lng: 121.4493}},

	{ID: "team-lujiazui", DisplayName: "陆家嘴支行营销团队", Type: orgunit.Team, ParentID: "sub-lujiazui", Code: "1101-01", Address: "上海市浦东新区陆家嘴环路 8 号",
		Location: &orgunit.Location{Lat: 31.2397, Lng: 121.4998}},
	{ID: "team-zhangjiang", DisplayName: "张江支行营销团队", Type: orgunit.Team, ParentID: "sub-zhangjiang", Code: "1102-01", Address: "上海市浦东新区张江路 66 号",
		Location: &orgunit.Location{Lat: 31.2058, Lng: 121.5906}},
	{ID: "team-hongqiao", DisplayName: "虹桥支行营销团队", Type: orgunit.Team, ParentID: "sub-hongqiao", Code: "1201-01", Address: "上海市长宁区虹桥路 1000 号",
		Location: &orgunit.Location{Lat: 31.1977, Lng: 121.4129}},
	{ID: "team-jingan", DisplayName: "静安支行营销团队", Type: orgunit.Team, ParentID: "sub-jingan", Code: "1202-01", Address: "上海市静安区南京西路 1500 号",
		Location: &orgunit.Location{Lat: 31.2252, Lng: 121.4493}},
}
